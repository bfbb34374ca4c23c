import fc from 'fast-check';
import {
  answerInput,
  commentInput,
  firstIncomplete,
  keepAsked,
  limits,
  questionnaireVersion,
  readSection,
  riskLevels,
  scoreRisk,
  sectionErrors,
  type Answers,
  type Question,
  type Questionnaire,
  type RiskLevel,
  type RiskRule,
  type Section,
} from '../../../core/questionnaire/questionnaire';
import { defaultPack } from '../../support/fixtures';

const technology = defaultPack.assessment.questionnaires.find((q) => q.id === 'technology')!;
const techQuestions = technology.sections.flatMap((s) => s.questions);
const techQuestion = (id: string) => techQuestions.find((q) => q.id === id)!;

/** One section with a question of every kind, as a pack would write it. */
const everyKind: Section = {
  id: 'every',
  title: 'Every kind',
  questions: [
    { id: 'yn', kind: 'yesNoUnsure', text: 'Is it hosted in the UK?', required: true },
    {
      id: 'pick',
      kind: 'choice',
      text: 'Who runs it?',
      required: true,
      options: [
        { id: 'college', text: 'The college' },
        { id: 'vendor', text: 'A vendor' },
      ],
    },
    { id: 'words', kind: 'text', text: 'What for?', required: true },
    { id: 'start', kind: 'date', text: 'Starting on', required: true },
    { id: 'site', kind: 'url', text: 'Its web address', required: true },
    { id: 'extra', kind: 'text', text: 'Anything else?', required: false },
  ],
};

/** Card data as Teams sends it: `q.<id>` for the answer, `c.<id>` for the comment. */
function cardData(values: Record<string, string>, comments: Record<string, string> = {}) {
  return {
    ...Object.fromEntries(Object.entries(values).map(([id, v]) => [answerInput(id), v])),
    ...Object.fromEntries(Object.entries(comments).map(([id, v]) => [commentInput(id), v])),
  };
}

const validEveryKind = {
  yn: 'no',
  pick: 'vendor',
  words: 'Revision quizzes',
  start: '2026-09-01',
  site: 'https://quiz.example.com/start',
};

describe('readSection', () => {
  it('reads a complete section into answers with no errors', () => {
    const reading = readSection(everyKind, cardData(validEveryKind, { yn: 'Hosted in London' }));
    expect(reading.errors).toEqual({});
    expect(reading.answers).toEqual({
      yn: { value: 'no', comment: 'Hosted in London' },
      pick: { value: 'vendor' },
      words: { value: 'Revision quizzes' },
      start: { value: '2026-09-01' },
      site: { value: 'https://quiz.example.com/start' },
    });
  });

  it('trims what was typed and treats whitespace or a non-string as no answer', () => {
    const reading = readSection(everyKind, {
      ...cardData({ ...validEveryKind, words: '  Revision quizzes \n' }),
      [answerInput('extra')]: '   ',
      [answerInput('pick')]: 42,
    });
    expect(reading.answers['words']).toEqual({ value: 'Revision quizzes' });
    expect(reading.answers['extra']).toBeUndefined();
    expect(reading.answers['pick']).toBeUndefined();
    expect(reading.errors).toEqual({ pick: 'Please answer this question.' });
  });

  describe('yes/no/unsure', () => {
    it.each(['yes', 'no', 'unsure'])('accepts %s', (value) => {
      const reading = readSection(everyKind, cardData({ ...validEveryKind, yn: value }));
      expect(reading.errors).toEqual({});
      expect(reading.answers['yn']).toEqual({ value });
    });

    it.each(['maybe', 'Yes', 'true'])('refuses %s, keeping it so the card shows it', (value) => {
      const reading = readSection(everyKind, cardData({ ...validEveryKind, yn: value }));
      expect(reading.errors).toEqual({ yn: 'Choose yes, no or unsure.' });
      expect(reading.answers['yn']).toEqual({ value });
    });
  });

  describe('choice', () => {
    it('accepts one of the options by id', () => {
      expect(readSection(everyKind, cardData({ ...validEveryKind, pick: 'college' })).errors).toEqual({});
    });

    it.each(['nobody', 'The college'])('refuses %s, which is not an option id', (value) => {
      expect(readSection(everyKind, cardData({ ...validEveryKind, pick: value })).errors).toEqual({
        pick: 'Choose one of the options.',
      });
    });
  });

  describe('text', () => {
    it(`accepts exactly ${limits.text} characters`, () => {
      const words = 'w'.repeat(limits.text);
      const reading = readSection(everyKind, cardData({ ...validEveryKind, words }));
      expect(reading.errors).toEqual({});
      expect(reading.answers['words']?.value).toHaveLength(limits.text);
    });

    it('names a text that is too long, and keeps all of it for the card', () => {
      const words = 'w'.repeat(limits.text + 1);
      const reading = readSection(everyKind, cardData({ ...validEveryKind, words }));
      expect(reading.errors).toEqual({ words: `Keep this to ${limits.text} characters or fewer.` });
      expect(reading.answers['words']?.value).toBe(words);
    });
  });

  describe('date', () => {
    it.each(['2026-09-01', '2028-02-29', '2026-12-31'])('accepts %s', (start) => {
      expect(readSection(everyKind, cardData({ ...validEveryKind, start })).errors).toEqual({});
    });

    it.each(['01/09/2026', '2026-9-1', '2026-13-01', '2026-00-10', '2026-09-32', 'next week'])(
      'refuses %s',
      (start) => {
        expect(readSection(everyKind, cardData({ ...validEveryKind, start })).errors).toEqual({
          start: 'Give a date (YYYY-MM-DD).',
        });
      },
    );

    // A day past the month's end must not roll over into the next month.
    it.each(['2026-02-30', '2027-02-29', '2026-04-31'])('refuses %s, a day that does not exist', (start) => {
      expect(readSection(everyKind, cardData({ ...validEveryKind, start })).errors).toEqual({
        start: 'Give a date (YYYY-MM-DD).',
      });
    });
  });

  describe('url', () => {
    it.each(['https://padlet.com/board/1', 'HTTPS://Example.org', 'http://intranet.college.ac.uk/x'])(
      'accepts %s',
      (site) => {
        expect(readSection(everyKind, cardData({ ...validEveryKind, site })).errors).toEqual({});
      },
    );

    it.each([
      ['no scheme', 'padlet.com'],
      ['a script', 'javascript:alert(1)'],
      ['no host', 'https://'],
      ['another scheme', 'ftp://files.example.com'],
      ['a space', 'https://exa mple.com'],
      ['over 500 characters', `https://example.com/${'a'.repeat(500)}`],
    ])('refuses an address with %s', (_what, site) => {
      expect(readSection(everyKind, cardData({ ...validEveryKind, site })).errors).toEqual({
        site: 'Give a web address starting with https:// or http://',
      });
    });
  });

  describe('required and optional', () => {
    it('leaves an optional question out when empty, without an error', () => {
      const reading = readSection(everyKind, cardData({ ...validEveryKind, extra: '' }));
      expect(reading.errors).toEqual({});
      expect('extra' in reading.answers).toBe(false);
    });

    it('still checks an optional answer that was given', () => {
      const optionalUrl: Section = {
        id: 's',
        title: 'S',
        questions: [{ id: 'site', kind: 'url', text: 'Web address', required: false }],
      };
      expect(readSection(optionalUrl, cardData({})).errors).toEqual({});
      expect(readSection(optionalUrl, cardData({ site: 'not a link' })).errors).toEqual({
        site: 'Give a web address starting with https:// or http://',
      });
    });

    it('names every missing required question and nothing else', () => {
      const reading = readSection(everyKind, {});
      expect(reading.errors).toEqual({
        yn: 'Please answer this question.',
        pick: 'Please answer this question.',
        words: 'Please answer this question.',
        start: 'Please answer this question.',
        site: 'Please answer this question.',
      });
      expect(reading.answers).toEqual({});
    });
  });

  describe('comments', () => {
    it('keeps a comment even when the answer is missing', () => {
      const { yn: _missing, ...rest } = validEveryKind;
      const reading = readSection(everyKind, cardData(rest, { yn: 'See the DPIA on SharePoint' }));
      expect(reading.answers['yn']).toEqual({ value: '', comment: 'See the DPIA on SharePoint' });
      expect(reading.errors).toEqual({ yn: 'Please answer this question.' });
    });

    it('names a comment that is too long on a valid answer', () => {
      const comment = 'c'.repeat(limits.comment + 1);
      const reading = readSection(everyKind, cardData(validEveryKind, { yn: comment }));
      expect(reading.errors).toEqual({ yn: `Keep the comment to ${limits.comment} characters or fewer.` });
      // Kept in full, so the returned card shows what was typed and the person can shorten it.
      expect(reading.answers['yn']?.comment).toBe(comment);
    });

    it('ignores inputs of questions outside the section', () => {
      const reading = readSection(
        everyKind,
        cardData({ ...validEveryKind, strangers: 'yes' }, { strangers: 'x' }),
      );
      expect(Object.keys(reading.answers).sort()).toEqual(Object.keys(validEveryKind).sort());
    });
  });
});

/** Answers to the whole technology questionnaire that are complete and raise no risk. */
function completeTechnology(overrides: Record<string, string> = {}): Answers {
  const values: Record<string, string> = {};
  for (const q of techQuestions) {
    if (!q.required) continue;
    values[q.id] =
      q.kind === 'yesNoUnsure'
        ? q.risk?.answer === 'no'
          ? 'yes'
          : 'no'
        : q.kind === 'choice'
          ? q.options![0]!.id
          : 'Some words';
  }
  return Object.fromEntries(
    Object.entries({ ...values, ...overrides }).map(([id, value]) => [id, { value }]),
  );
}

describe('sectionErrors and firstIncomplete', () => {
  it('names every required question of a section never visited', () => {
    const section = technology.sections[1]!;
    const required = section.questions.filter((q) => q.required).map((q) => q.id);
    expect(Object.keys(sectionErrors(section, {})).sort()).toEqual(required.sort());
  });

  it('ignores answers to other sections and names an invalid stored answer', () => {
    const section = technology.sections[1]!;
    const [first, second] = section.questions;
    const answers: Answers = {
      ...completeTechnology(),
      [first!.id]: { value: 'maybe' },
      [second!.id]: { value: '', comment: 'Only a comment' },
    };
    expect(sectionErrors(section, answers)).toEqual({
      [first!.id]: 'Choose yes, no or unsure.',
      [second!.id]: 'Please answer this question.',
    });
    expect(sectionErrors(technology.sections[0]!, answers)).toEqual({});
  });

  it('finds nothing incomplete in a complete questionnaire (optional questions left empty)', () => {
    const answers = completeTechnology();
    expect(techQuestions.some((q) => !q.required && answers[q.id] === undefined)).toBe(true);
    expect(firstIncomplete(technology, answers)).toBeUndefined();
  });

  it('returns the first section with a problem', () => {
    const last = technology.sections.length - 1;
    const inLast = technology.sections[last]!.questions[0]!.id;
    const inFirst = technology.sections[0]!.questions[0]!.id;
    const { [inLast]: _a, ...withoutLast } = completeTechnology();
    expect(firstIncomplete(technology, withoutLast)).toBe(last);
    const { [inFirst]: _b, ...withoutBoth } = withoutLast;
    expect(firstIncomplete(technology, withoutBoth)).toBe(0);
    expect(firstIncomplete(technology, {})).toBe(0);
  });

  it('keepAsked drops answers to questions the questionnaire no longer asks', () => {
    const answers = { ...completeTechnology(), retired: { value: 'yes' } };
    const kept = keepAsked(technology, answers);
    expect(kept['retired']).toBeUndefined();
    expect(kept).toEqual(completeTechnology());
  });
});

/** A questionnaire of risk questions with the given weights (risk answer "yes" unless `no:` prefix). */
function riskQuestionnaire(
  sections: Record<string, Record<string, number | { answer: string; weight: number }>>,
  scale: { mediumFrom: number; highFrom: number; unsureCounts?: boolean; rules?: RiskRule[] },
): Questionnaire {
  return {
    id: 'q',
    title: 'Q',
    sections: Object.entries(sections).map(([id, questions]) => ({
      id,
      title: id,
      questions: Object.entries(questions).map(([qid, risk]): Question => ({
        id: qid,
        kind: 'yesNoUnsure',
        text: `Question ${qid}?`,
        required: true,
        risk: typeof risk === 'number' ? { answer: 'yes', weight: risk } : risk,
      })),
    })),
    risk: {
      mediumFrom: scale.mediumFrom,
      highFrom: scale.highFrom,
      unsureCounts: scale.unsureCounts ?? true,
      rules: scale.rules ?? [],
    },
  };
}

const answered = (values: Record<string, string>): Answers =>
  Object.fromEntries(Object.entries(values).map(([id, value]) => [id, { value }]));

describe('scoreRisk', () => {
  const ones = riskQuestionnaire({ s: { a: 1, b: 1, c: 1, d: 1, e: 1 } }, { mediumFrom: 2, highFrom: 4 });
  const yesTo = (...ids: string[]) => answered(Object.fromEntries(ids.map((id) => [id, 'yes'])));

  it.each<[string[], RiskLevel]>([
    [[], 'low'],
    [['a'], 'low'],
    [['a', 'b'], 'medium'],
    [['a', 'b', 'c'], 'medium'],
    [['a', 'b', 'c', 'd'], 'high'],
    [['a', 'b', 'c', 'd', 'e'], 'high'],
  ])('with mediumFrom 2 and highFrom 4, risk answers to %j are %s', (ids, level) => {
    const score = scoreRisk(ones, yesTo(...ids));
    expect(score.level).toBe(level);
    expect(score.score).toBe(ids.length);
  });

  it('adds the weights of the risk answers, and nothing for other answers', () => {
    const q = riskQuestionnaire(
      { s: { a: 3, b: 2, c: { answer: 'no', weight: 4 } } },
      { mediumFrom: 4, highFrom: 8 },
    );
    expect(scoreRisk(q, answered({ a: 'yes', b: 'no', c: 'yes' }))).toEqual({
      level: 'low',
      score: 3,
      reasons: [{ kind: 'answer', questionId: 'a', answer: 'yes', weight: 3 }],
    });
    expect(scoreRisk(q, answered({ a: 'yes', b: 'yes', c: 'no' }))).toEqual({
      level: 'high',
      score: 9,
      reasons: [
        { kind: 'answer', questionId: 'a', answer: 'yes', weight: 3 },
        { kind: 'answer', questionId: 'b', answer: 'yes', weight: 2 },
        { kind: 'answer', questionId: 'c', answer: 'no', weight: 4 },
      ],
    });
  });

  it('is low with no answers and with no risk scale at all', () => {
    expect(scoreRisk(ones, {})).toEqual({ level: 'low', score: 0, reasons: [] });
    const { risk: _none, ...noScale } = ones;
    expect(scoreRisk(noScale, yesTo('a', 'b', 'c', 'd', 'e'))).toEqual({
      level: 'low',
      score: 0,
      reasons: [],
    });
  });

  it('counts "unsure" as the risk answer when unsureCounts, whatever the risk answer is', () => {
    const q = riskQuestionnaire(
      { s: { a: 2, b: { answer: 'no', weight: 3 } } },
      { mediumFrom: 2, highFrom: 5 },
    );
    expect(scoreRisk(q, answered({ a: 'unsure', b: 'unsure' }))).toEqual({
      level: 'high',
      score: 5,
      reasons: [
        { kind: 'answer', questionId: 'a', answer: 'unsure', weight: 2 },
        { kind: 'answer', questionId: 'b', answer: 'unsure', weight: 3 },
      ],
    });
  });

  it('does not count "unsure" when the pack says it does not', () => {
    const q = riskQuestionnaire({ s: { a: 2, b: 3 } }, { mediumFrom: 2, highFrom: 5, unsureCounts: false });
    expect(scoreRisk(q, answered({ a: 'unsure', b: 'yes' }))).toEqual({
      level: 'medium',
      score: 3,
      reasons: [{ kind: 'answer', questionId: 'b', answer: 'yes', weight: 3 }],
    });
  });

  describe('rules', () => {
    const sections = { first: { a: 1, b: 1 }, second: { c: 1 }, third: { d: 1, e: 1, f: 1 } };
    const both: RiskRule = {
      id: 'both',
      level: 'medium',
      reason: 'A and B',
      when: { a: ['yes', 'unsure'], b: ['yes'] },
    };
    const inSecond: RiskRule = {
      id: 'second',
      level: 'high',
      reason: 'Any in second',
      anyRiskIn: ['second'],
    };

    it('a `when` rule applies only when every listed question has a listed answer', () => {
      const q = riskQuestionnaire(sections, { mediumFrom: 5, highFrom: 6, rules: [both] });
      expect(scoreRisk(q, answered({ a: 'yes' })).level).toBe('low');
      expect(scoreRisk(q, answered({ a: 'unsure', b: 'no' })).level).toBe('low');
      expect(scoreRisk(q, answered({ a: 'unsure', b: 'yes' }))).toEqual({
        level: 'medium',
        score: 2,
        reasons: [
          { kind: 'answer', questionId: 'a', answer: 'unsure', weight: 1 },
          { kind: 'answer', questionId: 'b', answer: 'yes', weight: 1 },
          { kind: 'rule', ruleId: 'both', level: 'medium' },
        ],
      });
    });

    it('a `when` rule matches the listed answers even when "unsure" does not count', () => {
      const q = riskQuestionnaire(sections, {
        mediumFrom: 5,
        highFrom: 6,
        unsureCounts: false,
        rules: [both],
      });
      expect(scoreRisk(q, answered({ a: 'unsure', b: 'yes' }))).toEqual({
        level: 'medium',
        score: 1,
        reasons: [
          { kind: 'answer', questionId: 'b', answer: 'yes', weight: 1 },
          { kind: 'rule', ruleId: 'both', level: 'medium' },
        ],
      });
    });

    it('an `anyRiskIn` rule applies on a risk answer in a listed section only', () => {
      const q = riskQuestionnaire(sections, { mediumFrom: 5, highFrom: 6, rules: [inSecond] });
      expect(scoreRisk(q, answered({ a: 'yes', d: 'yes', c: 'no' })).level).toBe('low');
      expect(scoreRisk(q, answered({ c: 'yes' }))).toEqual({
        level: 'high',
        score: 1,
        reasons: [
          { kind: 'answer', questionId: 'c', answer: 'yes', weight: 1 },
          { kind: 'rule', ruleId: 'second', level: 'high' },
        ],
      });
    });

    it('an `anyRiskIn` rule counts "unsure" only when the pack does', () => {
      const counts = riskQuestionnaire(sections, { mediumFrom: 5, highFrom: 6, rules: [inSecond] });
      const doesNot = riskQuestionnaire(sections, {
        mediumFrom: 5,
        highFrom: 6,
        unsureCounts: false,
        rules: [inSecond],
      });
      expect(scoreRisk(counts, answered({ c: 'unsure' })).level).toBe('high');
      expect(scoreRisk(doesNot, answered({ c: 'unsure' }))).toEqual({ level: 'low', score: 0, reasons: [] });
    });

    it('a rule never lowers the level the weights reached, but is still given as a reason', () => {
      const q = riskQuestionnaire(sections, { mediumFrom: 2, highFrom: 3, rules: [both] });
      const score = scoreRisk(q, answered({ a: 'yes', b: 'yes', d: 'yes' }));
      expect(score.level).toBe('high');
      expect(score.reasons).toContainEqual({ kind: 'rule', ruleId: 'both', level: 'medium' });
    });

    it('lists exactly the risk answers in questionnaire order, then the rules that applied in pack order', () => {
      const never: RiskRule = { id: 'never', level: 'high', reason: 'F unsure', when: { f: ['unsure'] } };
      const q = riskQuestionnaire(sections, { mediumFrom: 9, highFrom: 9, rules: [inSecond, never, both] });
      expect(scoreRisk(q, answered({ f: 'yes', c: 'yes', b: 'yes', a: 'yes', e: 'no' })).reasons).toEqual([
        { kind: 'answer', questionId: 'a', answer: 'yes', weight: 1 },
        { kind: 'answer', questionId: 'b', answer: 'yes', weight: 1 },
        { kind: 'answer', questionId: 'c', answer: 'yes', weight: 1 },
        { kind: 'answer', questionId: 'f', answer: 'yes', weight: 1 },
        { kind: 'rule', ruleId: 'second', level: 'high' },
        { kind: 'rule', ruleId: 'both', level: 'medium' },
      ]);
    });
  });

  describe('the default pack', () => {
    const { mediumFrom, highFrom } = technology.risk;
    const weight = (id: string) => techQuestion(id).risk!.weight;

    it('makes a tool with no risk answers low', () => {
      expect(scoreRisk(technology, completeTechnology())).toEqual({ level: 'low', score: 0, reasons: [] });
    });

    it('raises under-18s signing up for their own account to high by the children-sign-up rule', () => {
      const rule = technology.risk.rules.find((r) => r.id === 'children-sign-up')!;
      const score = scoreRisk(technology, completeTechnology({ under18: 'unsure', signUp: 'yes' }));
      expect(score.score).toBe(weight('signUp'));
      expect(score.score).toBeLessThan(mediumFrom);
      expect(score.level).toBe(rule.level);
      expect(score.reasons).toEqual([
        { kind: 'answer', questionId: 'signUp', answer: 'yes', weight: weight('signUp') },
        { kind: 'rule', ruleId: 'children-sign-up', level: rule.level },
      ]);
      expect(scoreRisk(technology, completeTechnology({ under18: 'no', signUp: 'yes' })).level).toBe('low');
    });

    it('raises any safeguarding or data-protection risk answer to high, but not a service one', () => {
      for (const section of ['safeguarding', 'data-protection']) {
        const id = technology.sections.find((s) => s.id === section)!.questions.find((q) => q.risk)!.id;
        expect(scoreRisk(technology, completeTechnology({ [id]: 'unsure' })).level).toBe('high');
      }
      const service = technology.sections.find((s) => s.id === 'service')!.questions.filter((q) => q.risk);
      const all = scoreRisk(
        technology,
        completeTechnology(Object.fromEntries(service.map((q) => [q.id, 'yes']))),
      );
      expect(all.score).toBe(service.reduce((n, q) => n + q.risk!.weight, 0));
      expect(all.score).toBeLessThan(highFrom);
      expect(all.level).toBe(all.score >= mediumFrom ? 'medium' : 'low');
      expect(all.reasons.every((r) => r.kind === 'answer')).toBe(true);
    });
  });

  describe('property: a further risk-raising answer never lowers the level or the score', () => {
    const riskIds = techQuestions.filter((q) => q.risk).map((q) => q.id);
    const answerable = techQuestions.filter((q) => q.kind === 'yesNoUnsure').map((q) => q.id);
    const rank = (l: RiskLevel) => riskLevels.indexOf(l);

    it('holds on the default pack for any answers, thresholds and unsure setting', () => {
      fc.assert(
        fc.property(
          fc.dictionary(fc.constantFrom(...answerable), fc.constantFrom('yes', 'no', 'unsure')),
          fc.constantFrom(...riskIds),
          fc.boolean(),
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 0, max: 12 }),
          (values, raised, unsureCounts, mediumFrom, extra) => {
            const q: Questionnaire = {
              ...technology,
              risk: { ...technology.risk, unsureCounts, mediumFrom, highFrom: mediumFrom + extra },
            };
            const before = scoreRisk(q, answered(values));
            const after = scoreRisk(q, answered({ ...values, [raised]: techQuestion(raised).risk!.answer }));
            expect(after.score).toBeGreaterThanOrEqual(before.score);
            expect(rank(after.level)).toBeGreaterThanOrEqual(rank(before.level));
            expect(after.reasons).toContainEqual(
              expect.objectContaining({ kind: 'answer', questionId: raised }),
            );
            const weights = after.reasons.flatMap((r) => (r.kind === 'answer' ? [r.weight] : []));
            expect(weights.reduce((a, b) => a + b, 0)).toBe(after.score);
          },
        ),
      );
    });
  });
});

describe('questionnaireVersion', () => {
  const copy = (): Questionnaire => structuredClone(technology);

  it('is the same for the same content, whatever the key order', () => {
    const reordered = Object.fromEntries(Object.entries(copy()).reverse()) as unknown as Questionnaire;
    expect(questionnaireVersion(copy())).toBe(questionnaireVersion(technology));
    expect(questionnaireVersion(reordered)).toBe(questionnaireVersion(technology));
    expect(questionnaireVersion(technology)).toMatch(/^[0-9a-f]{12}$/);
  });

  it("changes when a question's text changes", () => {
    const edited = copy();
    (edited.sections[1]!.questions[0] as { text: string }).text += ' (including in comments)';
    expect(questionnaireVersion(edited)).not.toBe(questionnaireVersion(technology));
  });

  it('changes when a weight or a threshold changes', () => {
    const weighted = copy();
    const q = weighted.sections[1]!.questions[0] as { risk: { weight: number } };
    q.risk.weight += 1;
    const threshold = copy();
    (threshold.risk as { highFrom: number }).highFrom += 1;
    expect(questionnaireVersion(weighted)).not.toBe(questionnaireVersion(technology));
    expect(questionnaireVersion(threshold)).not.toBe(questionnaireVersion(technology));
  });
});
