import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parsePolicyPack, type PolicySource } from '../../../core/policy/parse-policy';
import { filesIn, parsePolicyFile } from '../../../adapters/policy-files';
import { policyPath, repoRoot } from '../../support/fixtures';

const defaultText = readFileSync(policyPath('uk-fe-default'), 'utf8');

/** The files a pack in `policies/` includes (the default pack's safeguarding library). */
const shippedFile = filesIn(join(repoRoot, 'policies'));

/** Parses a variant of the default pack, edited as data. */
function parseEdited(edit: (pack: Record<string, any>) => void) {
  const data = parse(defaultText) as Record<string, any>;
  edit(data);
  return parsePolicyPack({ name: 'edited.yaml', text: stringify(data) }, shippedFile);
}

const libraryEntry = {
  id: 'test-entry',
  category: 'grooming',
  severity: 'high',
  why: 'A reason.',
  phrases: ['a'],
};

const issuesOf = (r: ReturnType<typeof parsePolicyPack>) => (r.ok ? [] : r.issues);

describe('policy packs', () => {
  const shipped = readdirSync(join(repoRoot, 'policies')).filter((f) => f.endsWith('.yaml'));

  it('ships the default pack and one pack per seed policy', () => {
    expect(shipped.sort()).toEqual([
      'babington.yaml',
      'momentum.yaml',
      'skills4stem.yaml',
      'ucen-manchester.yaml',
      'uk-fe-default.yaml',
      'waes.yaml',
    ]);
  });

  it.each(shipped)('%s is valid', (file) => {
    const result = parsePolicyFile(join(repoRoot, 'policies', file));
    expect(issuesOf(result)).toEqual([]);
  });

  it('names the route and role when a route names an undefined role', () => {
    const issues = issuesOf(parseEdited((p) => (p['routes'].staff.roles = ['hrLead'])));
    expect(issues).toEqual([
      expect.objectContaining({
        source: 'edited.yaml',
        path: 'routes.staff.roles[0]',
        message: expect.stringContaining('"hrLead"'),
      }),
    ]);
    expect(issues[0]?.line).toBeGreaterThan(1);
  });

  it('names the question when a quiz question has no answer', () => {
    const issues = issuesOf(parseEdited((p) => delete p['quizzes'][0].questions[3].answer));
    expect(issues).toEqual([expect.objectContaining({ path: 'quizzes[0].questions[3].answer' })]);
  });

  it('refuses an answer that is not one of the options', () => {
    const issues = issuesOf(parseEdited((p) => (p['quizzes'][0].questions[0].answer = 'z')));
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'quizzes[0].questions[0].answer',
        message: expect.stringContaining('not one of'),
      }),
    ]);
  });

  it.each([
    [
      'a routing rule to an undefined route',
      (p: any) => (p.routing.rules[0].route = 'nowhere'),
      'routing.rules[0].route',
    ],
    ['an unknown default route', (p: any) => (p.routing.default = 'nowhere'), 'routing.default'],
    [
      'a sanction naming an unknown action',
      (p: any) => (p.sanctions.learner.behaviours[0].actions = ['flog']),
      'sanctions.learner.behaviours[0].actions[0]',
    ],
    [
      'a detection rule for an unknown category',
      (p: any) => (p.detection.library = [{ ...libraryEntry, category: 'nope' }]),
      'detection.library[0].category',
    ],
    [
      'an invalid detection pattern',
      (p: any) => (p.detection.library = [{ ...libraryEntry, patterns: ['(unclosed'] }]),
      'detection.library[0].patterns[0]',
    ],
    ...(
      [
        ['(never|not nested (here|there))', 'phrases'],
        ['an (unclosed group', 'phrases'],
        ['every? word? optional?', 'phrases'],
        ['send (&|+) pics', 'phrases'],
        ['(homework|notes', 'notNear'],
        ['send @nowhere pics', 'phrases'],
        ['(@nowhere|homework)', 'notNear'],
      ] as const
    ).map(([phrase, field]): [string, (p: any) => unknown, string] => [
      `the library phrase "${phrase}"`,
      (p: any) => (p.detection.library = [{ ...libraryEntry, [field]: [phrase] }]),
      `detection.library[0].${field}[0]`,
    ]),
    [
      'a term list item that is not plain words',
      (p: any) => (p.detection.terms = { custom: ['me', '(i|me)'] }),
      'detection.terms.custom[1]',
    ],
    [
      'an approver role that is not defined',
      (p: any) => (p.assessment.approverRole = 'boss'),
      'assessment.approverRole',
    ],
    ['a group id that is not a GUID', (p: any) => (p.roles.dsl.groupId = 'dsl-group'), 'roles.dsl.groupId'],
    [
      'an unknown severity',
      (p: any) => (p.taxonomy[0].items[0].defaultSeverity = 'severe'),
      'taxonomy[0].items[0].defaultSeverity',
    ],
    [
      'a quiz with fewer than 10 questions',
      (p: any) => (p.quizzes[0].questions = p.quizzes[0].questions.slice(0, 3)),
      'quizzes[0].questions',
    ],
    [
      'a learner induction quiz with fewer than 15 questions',
      (p: any) => {
        p.quizzes[0].questions = p.quizzes[0].questions.slice(0, 12);
        p.quizzes[0].passMark = 10;
      },
      'quizzes[0].questions',
    ],
    [
      'a pass mark above the number of questions',
      (p: any) => (p.quizzes[1].passMark = 13),
      'quizzes[1].passMark',
    ],
    [
      'no quiz for staff',
      (p: any) => (p.quizzes = p.quizzes.filter((q: any) => q.audience !== 'staff')),
      'quizzes',
    ],
    [
      'a sharing rule with an unknown category',
      (p: any) => (p.sharing.rules = { anyoneLink: { severity: 'high', category: 'nope' } }),
      'sharing.rules.anyoneLink.category',
    ],
    [
      'a sharing rule to an undefined route',
      (p: any) =>
        (p.sharing.rules = { noExpiry: { severity: 'low', category: 'data-breach', route: 'nowhere' } }),
      'sharing.rules.noExpiry.route',
    ],
    [
      'a college domain that is not a domain',
      (p: any) => (p.sharing.collegeDomains = ['not a domain']),
      'sharing.collegeDomains[0]',
    ],
    [
      'an option id used twice in a question',
      (p: any) => (p.quizzes[0].questions[0].options[1].id = p.quizzes[0].questions[0].options[0].id),
      'quizzes[0].questions[0].options',
    ],
    ['a missing dsl role', (p: any) => delete p.roles.dsl, 'roles'],
    [
      'a retention rule for an unknown category',
      (p: any) => p.retention.rules.push({ when: { category: ['nope'] }, months: 12, source: 'test' }),
      'retention.rules[3].when.category[0]',
    ],
    [
      'a retention rule for an undefined route',
      (p: any) => (p.retention.rules[0].when.route = ['nowhere']),
      'retention.rules[0].when.route[0]',
    ],
    [
      'a retention rule that names neither category nor route',
      (p: any) => (p.retention.rules[0].when = {}),
      'retention.rules[0].when',
    ],
    [
      'a retention rule without a source',
      (p: any) => delete p.retention.rules[0].source,
      'retention.rules[0].source',
    ],
    [
      'a second retention rule for the same route',
      (p: any) => p.retention.rules.push({ when: { route: ['dsl'] }, months: 12, source: 'test' }),
      'retention.rules[3]',
    ],
    ['the old single retention period', (p: any) => (p.retention = { closedCaseMonths: 72 }), 'retention'],
  ])('refuses %s, naming %s', (_what, edit, path) => {
    expect(issuesOf(parseEdited(edit)).map((i) => i.path)).toContain(path);
  });

  it('accepts library phrases with groups of several words, optional groups, gaps and £', () => {
    const result = parseEdited(
      (p: any) =>
        (p.detection.library = [
          {
            ...libraryEntry,
            phrases: ['(better off|happier) without me (now|for good)?', '£ ** cash', 'send? it'],
          },
        ]),
    );
    expect(issuesOf(result)).toEqual([]);
  });

  describe('the statistical layer (detection.model)', () => {
    const modelIssues = (edit: (model: Record<string, any>) => void) =>
      issuesOf(
        parsePolicyPack({ name: 'edited.yaml', text: defaultText }, (name) => {
          const file = shippedFile(name);
          if (name !== 'library/model' || !file) return file;
          const data = JSON.parse(file.text) as Record<string, any>;
          edit(data['+detection']['+model']);
          return { ...file, text: JSON.stringify(data) };
        }),
      );

    it('accepts the shipped weights', () => {
      expect(modelIssues(() => undefined)).toEqual([]);
    });

    // Located, as every included file's problems are, in the file that wrote them.
    it('names weights that do not fit the classes, and a class with no label', () => {
      const messages = modelIssues((m) => {
        m['bias'] = [0];
        m['classes'] = [...m['classes'], 'gossip'];
      }).map((i) => `${i.path}: ${i.message}`);
      expect(messages).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^\+detection\.\+model\.bias: 1 numbers for 11 classes/),
          expect.stringMatching(/^\+detection\.\+model\.weights\..*: 10 numbers for 11 classes/),
          '+detection.+model.classes[10]: class "gossip" has no entry under labels',
        ]),
      );
    });

    it('names a label filed under an unknown category, and a first class other than none', () => {
      const issues = issuesOf(parseEdited((p) => (p['detection'].model.labels.violence.category = 'fights')));
      expect(issues).toEqual([
        expect.objectContaining({
          path: 'detection.model.labels.violence.category',
          message: 'unknown category "fights"',
        }),
      ]);
      expect(modelIssues((m) => (m['classes'] = [...m['classes']].reverse()))).toContainEqual(
        expect.objectContaining({
          source: 'policies/library/model.json',
          path: '+detection.+model.classes[0]',
        }),
      );
    });
  });

  it('points at the line of a YAML syntax error', () => {
    const result = parsePolicyPack(
      { name: 'broken.yaml', text: 'schemaVersion: 1\nroles:\n  dsl: [unclosed\n' },
      () => undefined,
    );
    expect(issuesOf(result)[0]).toEqual(
      expect.objectContaining({ source: 'broken.yaml', line: expect.any(Number) }),
    );
  });

  it('explains the usual cause when a comma inside { } splits a sentence into keys', () => {
    const text = [
      'schemaVersion: 1',
      'agencies:',
      '  - { id: police, name: Police, when: A crime, or immediate danger }',
    ].join('\n');
    const issues = issuesOf(parsePolicyPack({ name: 'comma.yaml', text }, () => undefined));
    const comma = issues.find((i) => i.path === 'agencies[0]');
    expect(comma?.message).toContain('put the sentence in quotes');
    expect(comma?.line).toBe(3);
  });

  describe('extends', () => {
    const base: PolicySource = { name: 'base.yaml', text: defaultText };
    const resolver = (name: string) => (name === 'base' ? base : shippedFile(name));

    it('inherits whole sections from the named pack and overrides those it writes', () => {
      const child =
        'schemaVersion: 1\nextends: base\norganisation: { id: child, name: Child College, source: test }\n';
      const result = parsePolicyPack({ name: 'child.yaml', text: child }, resolver);
      if (!result.ok) throw new Error(JSON.stringify(result.issues));
      expect(result.pack.organisation.id).toBe('child');
      expect(result.pack.quizzes[0]?.id).toBe('induction');
    });

    it('reports problems in an inherited section against the file that wrote it', () => {
      const child = [
        'schemaVersion: 1',
        'extends: base',
        'replaces: [routes]',
        'routes:',
        '  dsl: { displayName: DSL, roles: [ghost] }',
      ].join('\n');
      const issues = issuesOf(parsePolicyPack({ name: 'child.yaml', text: child }, resolver));
      const ghost = issues.find((i) => i.message.includes('ghost'));
      expect(ghost).toEqual(
        expect.objectContaining({ source: 'child.yaml', path: 'routes.dsl.roles[0]', line: 5 }),
      );
      // The inherited routing rule points at `staff`, which the child's routes no longer define.
      expect(issues.find((i) => i.path === 'routing.rules[0].route')?.source).toBe('base.yaml');
    });

    describe('adding to and replacing inherited lists', () => {
      const basePack = parse(defaultText) as Record<string, any>;
      const parsedBase = parsePolicyPack(base, resolver);
      const inheritedRules = parsedBase.ok ? parsedBase.pack.detection.library : [];
      const entry = (id: string, phrase: string) =>
        `{ id: ${id}, category: grooming, severity: high, why: A reason., phrases: [${phrase}] }`;
      const added = {
        id: 'extra-going-country',
        category: 'grooming',
        severity: 'high',
        why: 'A reason.',
        phrases: ['going country'],
        patterns: [],
        notNear: [],
        unless: [],
        within: 8,
        signal: true,
        atRisk: false,
      };
      const parseChild = (...lines: string[]) =>
        parsePolicyPack(
          { name: 'child.yaml', text: ['schemaVersion: 1', 'extends: base', ...lines].join('\n') },
          resolver,
        );
      const packOf = (r: ReturnType<typeof parsePolicyPack>) => {
        if (!r.ok) throw new Error(JSON.stringify(r.issues, null, 2));
        return r.pack;
      };

      it("adds a child's entries after the inherited ones with +key, keeping the rest of the section", () => {
        const pack = packOf(
          parseChild(
            '+detection:',
            '  aggregationWindowMinutes: 30',
            '  +library:',
            `    - ${entry('extra-going-country', 'going country')}`,
          ),
        );
        expect(pack.detection.library).toEqual([...inheritedRules, added]);
        expect(pack.detection.aggregationWindowMinutes).toBe(30);
        expect(pack.detection.dlp).toEqual(basePack['detection'].dlp);
      });

      it('adds along a chain: each pack appends after what it inherits', () => {
        const middle: PolicySource = {
          name: 'middle.yaml',
          text: `schemaVersion: 1\nextends: base\n+detection: { +library: [${entry('extra-a', 'a')}] }\n`,
        };
        const child: PolicySource = {
          name: 'child.yaml',
          text: `schemaVersion: 1\nextends: middle\n+detection: { +library: [${entry('extra-b', 'b')}] }\n`,
        };
        const chain = (name: string) => ({ base, middle })[name] ?? shippedFile(name);
        const added = packOf(parsePolicyPack(child, chain)).detection.library.slice(inheritedRules.length);
        expect(added.map((r) => r.phrases)).toEqual([['a'], ['b']]);
      });

      it('adds an entry to an inherited named collection with +key', () => {
        const pack = packOf(
          parseChild(
            '+roles:',
            '  safeguardingGovernor: { displayName: Governor, groupId: e5afe7e0-0000-4000-8000-0000000000aa }',
          ),
        );
        expect(Object.keys(pack.roles)).toEqual([...Object.keys(basePack['roles']), 'safeguardingGovernor']);
      });

      it('replaces an inherited list when the child lists it under replaces:', () => {
        const pack = packOf(
          parseChild(
            'replaces: [detection.library, detection.conversation]',
            '+detection:',
            '  library:',
            `    - ${entry('extra-going-country', 'going country')}`,
            '  conversation: []',
          ),
        );
        expect(pack.detection.library).toEqual([added]);
      });

      it('names the indicators an inherited conversation rule loses when the library is replaced', () => {
        const issues = issuesOf(
          parseChild(
            'replaces: [detection.library]',
            '+detection:',
            '  library:',
            `    - ${entry('extra-going-country', 'going country')}`,
          ),
        );
        expect(issues).toContainEqual(
          expect.objectContaining({
            path: '+detection.+conversation[0].indicators[1]',
            message: 'no library entry notes indicator "secrecy"',
          }),
        );
      });

      it('lets a replaces: entry name a whole section', () => {
        const result = parseChild('replaces: [sanctions]', 'sanctions: {}');
        expect(packOf(result).sanctions).toEqual({});
      });

      it('reports a section that silently drops an inherited list, naming the list and where it came from', () => {
        const issues = issuesOf(
          parseChild(
            'replaces: [detection.conversation]',
            'detection:',
            '  aggregationWindowMinutes: 60',
            '  conversation: []',
            '  externalContact: { protectedRole: learners, flag: [external], category: external-contact, severity: medium }',
            '  dlp: { category: data-breach, severity: medium }',
          ),
        );
        expect(issues).toEqual([
          expect.objectContaining({
            source: 'child.yaml',
            path: 'detection',
            line: 5,
            message: expect.stringMatching(
              new RegExp(
                `^replaces the inherited lists detection\\.externalContact\\.flag \\(4 entries\\), detection\\.library \\(${inheritedRules.length} entries\\) from base\\.yaml; detection\\.terms\\.\\w+ .* without saying so: write "\\+detection" .* list "detection" under replaces:`,
              ),
            ),
          }),
        ]);
      });

      it('reports a rewritten inherited list as well as a dropped one', () => {
        const issues = issuesOf(
          parseChild(
            'replaces: [detection.conversation]',
            '+detection:',
            `  library: [${entry('extra-x', 'x')}]`,
            '  conversation: []',
          ),
        );
        expect(issues).toEqual([
          expect.objectContaining({
            path: '+detection.library',
            message: expect.stringContaining(`detection.library (${inheritedRules.length} entries)`),
          }),
        ]);
      });

      it('accepts an inherited list written again unchanged', () => {
        const same = JSON.stringify(basePack['agencies']);
        expect(issuesOf(parseChild(`agencies: ${same}`))).toEqual([]);
      });

      it.each([
        [
          'a replaces: entry that replaces nothing',
          ['replaces: [quizzes]'],
          'replaces[0]',
          'replaces no inherited list',
        ],
        [
          '+key with nothing inherited there',
          ['+detection: { +keywords: [x] }'],
          '+detection.+keywords',
          'nothing is inherited at detection.keywords',
        ],
        ['+key on a list given a section', ['+agencies: { id: x }'], '+agencies', 'is a list'],
        [
          '+key on a single value',
          ['+detection: { +aggregationWindowMinutes: 5 }'],
          '+detection.+aggregationWindowMinutes',
          'only a list or a section',
        ],
        [
          'both key and +key',
          ['replaces: [agencies]', 'agencies: []', '+agencies: []'],
          '+agencies',
          'not both',
        ],
        [
          '+key inside a replacing section',
          ['replaces: [detection]', 'detection: { +phrases: [] }'],
          'detection.+phrases',
          'a key above it replaces',
        ],
        ['replaces: that is not a list', ['replaces: taxonomy'], 'replaces', 'a list of paths'],
      ])('refuses %s', (_what, lines, path, message) => {
        expect(issuesOf(parseChild(...lines))).toContainEqual(
          expect.objectContaining({ source: 'child.yaml', path, message: expect.stringContaining(message) }),
        );
      });

      it('refuses replaces: in a pack that extends nothing', () => {
        const issues = issuesOf(parseEdited((p) => (p['replaces'] = ['taxonomy'])));
        expect(issues).toEqual([
          expect.objectContaining({ path: 'replaces', message: expect.stringContaining('extends another') }),
        ]);
      });

      it('locates a problem in an added entry in the child, at its path in the child', () => {
        const issues = issuesOf(
          parseChild(
            '+detection:',
            '  +library:',
            '    - { id: extra-x, category: nope, severity: high, why: A reason., phrases: [x] }',
          ),
        );
        expect(issues).toEqual([
          expect.objectContaining({ source: 'child.yaml', path: '+detection.+library[0].category', line: 5 }),
        ]);
      });

      it('locates an unknown key added to an inherited section in the child', () => {
        const issues = issuesOf(parseChild('+detection: { keywords: [x] }'));
        expect(issues).toEqual([
          expect.objectContaining({ source: 'child.yaml', path: '+detection', line: 3 }),
        ]);
      });
    });

    describe('includes', () => {
      const files: Record<string, PolicySource> = {
        base,
        'lib/a': {
          name: 'lib/a.yaml',
          text: `+detection: { +library: [{ id: inc-a, category: grooming, severity: high, why: A reason., phrases: [alpha] }] }\n`,
        },
        'lib/b': {
          name: 'lib/b.yaml',
          text: `+detection:\n  +library:\n    - { id: inc-b, category: nope, severity: high, why: A reason., phrases: [beta] }\n`,
        },
        'lib/nested': { name: 'lib/nested.yaml', text: 'includes: [lib/a]\n' },
      };
      const parseWith = (includes: string) =>
        parsePolicyPack(
          { name: 'child.yaml', text: `schemaVersion: 1\nextends: base\nincludes: [${includes}]\n` },
          (name) => files[name] ?? shippedFile(name),
        );

      it('applies an included file right after the pack that names it, with the same +key rules', () => {
        const result = parseWith('lib/a');
        if (!result.ok) throw new Error(JSON.stringify(result.issues));
        const ids = result.pack.detection.library.map((e) => e.id);
        expect(ids.at(-1)).toBe('inc-a');
        // The default pack's own included library came first.
        expect(ids.length).toBeGreaterThan(1);
      });

      it('reports a problem in an included file against that file and line', () => {
        expect(issuesOf(parseWith('lib/b'))).toContainEqual(
          expect.objectContaining({
            source: 'lib/b.yaml',
            line: 3,
            message: expect.stringContaining('"nope"'),
          }),
        );
      });

      it('names an included file that does not exist', () => {
        expect(issuesOf(parseWith('lib/missing'))).toContainEqual(
          expect.objectContaining({
            source: 'child.yaml',
            path: 'includes[0]',
            message: expect.stringContaining('"lib/missing"'),
          }),
        );
      });

      it('reads a generated JSON file as it reads YAML, and names one that is not valid JSON', () => {
        const json = (text: string) => (name: string) =>
          name === 'lib/weights' ? { name: 'lib/weights.json', text } : shippedFile(name);
        const child = {
          name: 'child.yaml',
          text: 'schemaVersion: 1\nextends: base\nincludes: [lib/weights]\n',
        };
        const read = parsePolicyPack(child, (name) =>
          name === 'base' ? files['base'] : json('{"+detection":{"+model":{"threshold":0.9}}}')(name),
        );
        if (!read.ok) throw new Error(JSON.stringify(read.issues));
        expect(read.pack.detection.model?.threshold).toBe(0.9);
        expect(read.pack.detection.model?.classes[0]).toBe('none');
        const broken = parsePolicyPack(child, (name) =>
          name === 'base' ? files['base'] : json('{"+detection":')(name),
        );
        expect(issuesOf(broken)).toEqual([
          expect.objectContaining({
            source: 'lib/weights.json',
            message: expect.stringContaining('not valid JSON'),
          }),
        ]);
      });

      it('refuses an included file that includes another', () => {
        expect(issuesOf(parseWith('lib/nested'))).toContainEqual(
          expect.objectContaining({
            source: 'lib/nested.yaml',
            message: expect.stringContaining('neither extends nor includes'),
          }),
        );
      });
    });

    it('names a missing parent pack', () => {
      const issues = issuesOf(
        parsePolicyPack({ name: 'orphan.yaml', text: 'schemaVersion: 1\nextends: nobody\n' }, resolver),
      );
      expect(issues).toEqual([
        expect.objectContaining({ path: 'extends', message: expect.stringContaining('"nobody"') }),
      ]);
    });

    it('refuses a pack that extends itself', () => {
      const self: PolicySource = { name: 'loop.yaml', text: 'schemaVersion: 1\nextends: loop\n' };
      const issues = issuesOf(parsePolicyPack(self, () => self));
      expect(issues[0]?.message).toContain('back to itself');
    });
  });
});
