/**
 * The policy pack: one organisation's E-Safety Policy as data. Everything the product decides —
 * who may act, where a case goes, what the DSL is offered, what a quiz asks — comes from here,
 * so a college changes its procedure by editing YAML, not code.
 *
 * The schema checks shape; `crossReferenceIssues` checks that every name used is defined
 * (a route to an undefined role, a quiz answer that is not an option, …).
 */
import { z } from 'zod';
import { phraseProblem, termProblem } from '../detection/phrase-syntax';
import { questionKinds, yesNoUnsure } from '../questionnaire/questionnaire';

export const severities = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof severities)[number];
export const severitySchema = z.enum(severities);

export const subjectTypes = ['learner', 'staff', 'visitor', 'unknown'] as const;
export type SubjectType = (typeof subjectTypes)[number];

/** The four Cs of online risk (KCSIE): every seed uses three or four of them. */
export const riskAreas = ['content', 'contact', 'conduct', 'commerce'] as const;
export type RiskArea = (typeof riskAreas)[number];

const key = z
  .string()
  .regex(/^[a-z][a-zA-Z0-9-]*$/, 'use letters, digits and dashes, starting with a lower-case letter');
const text = z.string().trim().min(1);
/** Entra object ids are GUIDs. */
const entraId = z.guid('an Entra object id (GUID)');

const roleSchema = z.strictObject({
  displayName: text,
  groupId: entraId,
  description: text.optional(),
});

const routeSchema = z.strictObject({
  displayName: text,
  /** Roles whose members see and act on cases on this route. The first is the owning role. */
  roles: z.array(key).min(1),
  /** Fixed Teams location; when absent, `register <route>` typed in a channel sets it. */
  channel: z.strictObject({ teamId: text, channelId: text }).optional(),
  /** Sexual-imagery or staff cases can be restricted so the reporter receives no status updates. */
  notifyReporter: z.boolean().default(true),
});

const taxonomyItemSchema = z.strictObject({
  id: key,
  name: text,
  description: text.optional(),
  defaultSeverity: severitySchema,
  /** Reporters are told not to view, copy or forward images (UKCIS guidance). */
  sexualImagery: z.boolean().default(false),
});

const taxonomyAreaSchema = z.strictObject({
  area: z.enum(riskAreas),
  name: text,
  items: z.array(taxonomyItemSchema).min(1),
});

const routingRuleSchema = z.strictObject({
  description: text.optional(),
  when: z
    .strictObject({
      subjectType: z.array(z.enum(subjectTypes)).min(1).optional(),
      area: z.array(z.enum(riskAreas)).min(1).optional(),
      category: z.array(key).min(1).optional(),
      severityAtLeast: severitySchema.optional(),
    })
    .default({}),
  route: key,
});

const agencySchema = z.strictObject({ id: key, name: text, when: text });

const sanctionGridSchema = z.strictObject({
  actions: z.array(z.strictObject({ id: key, name: text })).min(1),
  behaviours: z
    .array(
      z.strictObject({
        id: key,
        name: text,
        /** Taxonomy items this behaviour usually goes with; the DSL sees them as suggestions. */
        categories: z.array(key).default([]),
        actions: z.array(key).min(1),
      }),
    )
    .min(1),
});

const questionSchema = z.strictObject({
  id: key,
  kind: z.enum(questionKinds).default('yesNoUnsure'),
  text,
  /** What the policy says about the question, shown with it. */
  help: text.optional(),
  required: z.boolean().default(true),
  options: z
    .array(z.strictObject({ id: key, text }))
    .min(2)
    .optional(),
  /** Risk questions: the answer that raises risk and its weight. */
  risk: z.strictObject({ answer: key, weight: z.int().min(1).max(5).default(1) }).optional(),
});

const questionnaireSchema = z.strictObject({
  id: key,
  title: text,
  intro: text.optional(),
  /** Overrides the assessment's approver role and route for this questionnaire. */
  approverRole: key.optional(),
  route: key.optional(),
  sections: z
    .array(
      z.strictObject({
        id: key,
        title: text,
        intro: text.optional(),
        // One card per section: a dozen questions keep a card well inside Teams' size limit.
        questions: z.array(questionSchema).min(1).max(12),
      }),
    )
    .min(1),
  risk: z.strictObject({
    mediumFrom: z.int().min(1),
    highFrom: z.int().min(1),
    unsureCounts: z.boolean().default(true),
    rules: z
      .array(
        z.strictObject({
          id: key,
          level: z.enum(['medium', 'high']),
          reason: text,
          when: z.record(key, z.array(key).min(1)).optional(),
          anyRiskIn: z.array(key).min(1).optional(),
        }),
      )
      .default([]),
  }),
});

const assessmentSchema = z.strictObject({
  /** Who decides; only members of this role may. */
  approverRole: key,
  /** Where the approver's card is posted (`register <route>` in the approvers' channel or chat). */
  route: key,
  reviewAfterMonths: z.int().min(1).max(60),
  /** How long before the review date the requester is asked to review. */
  reviewNoticeDays: z.int().min(1).max(180).default(30),
  /** `technology` is required (`assess`); others (e.g. `placement`) start with `assess <id>`. */
  questionnaires: z.array(questionnaireSchema).min(1),
});

const quizQuestionSchema = z.strictObject({
  id: key,
  text,
  options: z
    .array(z.strictObject({ id: key, text }))
    .min(2)
    .max(6),
  /** The option id that is right; never sent to a card, only used to score on the server. */
  answer: key,
  /** One line shown after the answer, citing the policy section it comes from. */
  explanation: text,
});

/** How often a person may take a quiz again: until they pass (the default), any time, or once. */
export const retakePolicies = ['untilPassed', 'always', 'never'] as const;

const quizSchema = z.strictObject({
  id: key,
  title: text,
  /** Learners take it in their class team (`quiz start`); staff in personal chat (`quiz assign`). */
  audience: z.enum(['learners', 'staff']),
  intro: text.optional(),
  /** Correct answers needed to pass; at most the number of questions. */
  passMark: z.int().min(1),
  retakes: z.enum(retakePolicies).default('untilPassed'),
  /** A pass counts for this long, then the person is overdue (the staff refresher's yearly cycle). */
  refreshMonths: z.int().min(1).max(60).optional(),
  /** An assigned quiz is due this many days after it is sent. */
  dueDays: z.int().min(1).max(365).default(28),
  questions: z.array(quizQuestionSchema).min(10, 'a quiz needs at least 10 questions').max(40),
});

/** Graph's `permission.link.scope` values (https://learn.microsoft.com/graph/api/resources/sharinglink). */
export const linkScopes = ['anonymous', 'organization', 'users', 'existingAccess'] as const;
export type LinkScope = (typeof linkScopes)[number];

/** The rules a OneDrive/SharePoint permission is checked against (core/sharing/sharing-signal.ts). */
export const sharingRuleIds = [
  'anyoneLink',
  'externalShare',
  'externalEdit',
  'orgLinkRestricted',
  'noExpiry',
  'labelled',
] as const;
export type SharingRuleId = (typeof sharingRuleIds)[number];

const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?:[a-z0-9-]+\.)+[a-z]{2,}$/, 'a domain such as example-college.ac.uk');
const sharingRule = (severity: Severity) =>
  z
    .strictObject({ severity: severitySchema, category: key, route: key.optional() })
    .default({ severity, category: 'data-breach' });

/**
 * Which sharing is risky (issue 12). Every value has a default, so a pack that says nothing watches
 * Anyone links and sharing outside its own domains, as a data breach, by the routing rules.
 */
const sharingSchema = z.strictObject({
  /** The college's own e-mail domains: anyone else is outside it. */
  collegeDomains: z.array(domain).default([]),
  /** Partners shared with by agreement: not outside for these rules. */
  trustedDomains: z.array(domain).default([]),
  /** Sites or libraries (names, or words of their web address) holding learner records, safeguarding or HR files. */
  restrictedLibraries: z.array(text).default([]),
  /** Link scopes that must carry an expiry date. */
  requireExpiry: z.array(z.enum(linkScopes)).default(['anonymous']),
  /** Sensitivity labels whose items must not leave the college. */
  labels: z.array(text).default([]),
  /** A learner sharing from their own OneDrive (their own coursework) is not a case unless `watch`. */
  learnerOwnDrives: z.enum(['ignore', 'watch']).default('ignore'),
  /**
   * Libraries watched through the fast path (a Graph subscription and `delta` per drive): learner
   * records, safeguarding, HR. Everything else is found by the audit-log sweep.
   */
  sensitiveDrives: z.array(z.strictObject({ id: z.string().trim().min(1), name: text })).default([]),
  /** Whether the case card offers "Remove the link / access" (the app then needs write access to files). */
  removeAccess: z.boolean().default(false),
  /**
   * How far each audit-log sweep reaches back before the last one ended: Microsoft 365 audit records
   * can arrive late, and overlapping windows find them (the same share twice is one signal).
   */
  auditOverlapMinutes: z
    .int()
    .min(0)
    .max(24 * 60)
    .default(120),
  rules: z
    .strictObject({
      anyoneLink: sharingRule('high'),
      externalShare: sharingRule('high'),
      externalEdit: sharingRule('high'),
      orgLinkRestricted: sharingRule('medium'),
      noExpiry: sharingRule('medium'),
      labelled: sharingRule('high'),
    })
    .prefault({}),
});

/** One entry of the safeguarding library (core/detection/safeguarding-library.ts explains matching). */
const libraryEntrySchema = z.strictObject({
  /** Stable id: flags, statistics and a college's `disable`/`adjust` name entries by it. */
  id: key,
  category: key,
  severity: severitySchema,
  /** Why a DSL should look, in a sentence shown on the card. */
  why: text,
  /** Words in order: `a|b` either word, `word?` optional, `*` up to two words, `**` up to five. */
  phrases: z.array(text).default([]),
  /** Regular expressions (JavaScript syntax, case-insensitive) on the message's written words. */
  patterns: z.array(text).default([]),
  /** At least one of these must be within `within` words of the match. */
  near: z.array(text).min(1).optional(),
  /** None of these may be within `within` words of the match. */
  notNear: z.array(text).default([]),
  /** None of these may be anywhere in the message. */
  unless: z.array(text).default([]),
  within: z.int().min(1).max(30).default(8),
  /** A stage of a conversation-level risk this entry notes (see `conversation`). */
  indicator: key.optional(),
  /** False: only an indicator, never a flag on its own. */
  signal: z.boolean().default(true),
  /**
   * The words show the writer is the one at risk (suicidal thoughts, a victim of sextortion): the
   * case is about them, harmed, and never a sanction.
   */
  atRisk: z.boolean().default(false),
});

/** A risk that shows only across messages: enough distinct indicators in one chat within a window. */
const conversationRuleSchema = z.strictObject({
  id: key,
  category: key,
  severity: severitySchema,
  why: text,
  indicators: z.array(key).min(2),
  /** How many distinct indicators raise it. */
  threshold: z.int().min(2),
  /** How long an indicator counts (and how long it is remembered, as an id only). */
  windowHours: z
    .int()
    .min(1)
    .max(24 * 14),
});

const detectionSchema = z.strictObject({
  /** Which Teams messages Microsoft Graph subscriptions watch: 1:1 and group chats, team channels. */
  watch: z
    .array(z.enum(['chats', 'channels']))
    .min(1)
    .default(['chats', 'channels']),
  aggregationWindowMinutes: z
    .int()
    .min(1)
    .max(24 * 60),
  externalContact: z.strictObject({
    /** The role whose members are protected: contact between them and an outsider is a signal. */
    protectedRole: key,
    /** Which kinds of outside identity count. */
    flag: z.array(z.enum(['external', 'federated', 'anonymous', 'personal'])).min(1),
    /** Partner domains (employers, awarding bodies) whose users are not outsiders. */
    trustedDomains: z.array(text).default([]),
    category: key,
    severity: severitySchema,
  }),
  /**
   * Named term lists: the many ways one concept is written ("me": i, im, me, myself …), used in the
   * library's phrases as `@name`, so entries are written about concepts, not single wordings.
   */
  terms: z.record(key, z.array(text).min(1)).default({}),
  /** The safeguarding library: what to look for in messages, per category. */
  library: z.array(libraryEntrySchema).default([]),
  /** Risks across a conversation, from the library's indicators. */
  conversation: z.array(conversationRuleSchema).default([]),
  /**
   * The statistical layer (core/detection/learned-model.ts): a model trained on labelled chat
   * messages that flags, at `severity`, what reads like a risk class with at least `threshold`
   * certainty when the library found nothing of that class's category. `labels` say, per class,
   * which category of the pack it files under and why a DSL should look; the weights come from
   * `npm run train:detection` (policies/library/model.json). `use: false` turns it off.
   */
  model: z
    .strictObject({
      use: z.boolean().default(true),
      threshold: z.number().min(0.5).max(0.99).default(0.7),
      severity: severitySchema.default('medium'),
      labels: z.record(key, z.strictObject({ category: key, why: text, atRisk: z.boolean().default(false) })),
      classes: z.array(key).min(2),
      bias: z.array(z.number()),
      weights: z.record(z.string(), z.array(z.number())),
    })
    .optional(),
  /**
   * The optional machine-learning layer (Azure AI Content Safety, when the app is configured with
   * one): which of its harm categories raise a signal, from which of its severities (0–7), under
   * which category of the pack and at which severity.
   */
  classifier: z
    .record(
      z.enum(['hate', 'sexual', 'violence', 'selfHarm']),
      z.strictObject({ category: key, from: z.int().min(1).max(7), severity: severitySchema }),
    )
    .default({
      selfHarm: { category: 'self-harm', from: 2, severity: 'high' },
      violence: { category: 'violence-threats', from: 4, severity: 'high' },
      hate: { category: 'hate-violence', from: 4, severity: 'medium' },
      sexual: { category: 'youth-produced-sexual-imagery', from: 4, severity: 'high' },
    }),
  /** Inherited library entries a college turns off, by id. */
  disable: z.array(key).default([]),
  /**
   * Where the library's categories go in this pack's own taxonomy, when it names them differently
   * (`criminal-exploitation: county-lines`). A library category the taxonomy has needs no entry.
   */
  categoryMap: z.record(key, key).default({}),
  /** Inherited library entries a college weighs differently, by id. */
  adjust: z.array(z.strictObject({ id: key, severity: severitySchema })).default([]),
  dlp: z.strictObject({ category: key, severity: severitySchema }),
});

/** How long a case is kept after it closes, and where that period comes from. */
const retentionPeriod = {
  /** Months after closure; then the case is purged (and the purge logged), unless a DSL holds it. */
  months: z
    .int()
    .min(1)
    .max(12 * 100),
  /** Where the period comes from: statute, statutory guidance, a sector toolkit, the college's policy. */
  source: text,
};

/**
 * A retention rule covers the cases of some categories, some routes, or both. The most specific
 * rule wins (category and route, then category, then route), otherwise the default.
 */
const retentionRuleSchema = z.strictObject({
  when: z
    .strictObject({
      category: z.array(key).min(1).optional(),
      route: z.array(key).min(1).optional(),
    })
    .refine((w) => w.category !== undefined || w.route !== undefined, {
      message: 'name a category, a route or both (the default covers every other case)',
    }),
  ...retentionPeriod,
});

const retentionSchema = z.strictObject({
  default: z.strictObject(retentionPeriod),
  rules: z.array(retentionRuleSchema).default([]),
});

export const policyPackSchema = z.strictObject({
  schemaVersion: z.literal(1),
  /**
   * Name of another pack in the same folder that this one starts from. What a pack inherits, adds
   * (`+key`) and replaces (`replaces:`) is resolved before this schema sees it: parse-policy.ts.
   */
  extends: key.optional(),
  organisation: z.strictObject({
    id: key,
    name: text,
    source: text,
    policyOwner: text.optional(),
  }),
  roles: z.record(key, roleSchema),
  routes: z.record(key, routeSchema),
  routing: z.strictObject({
    rules: z.array(routingRuleSchema).default([]),
    default: key,
  }),
  taxonomy: z.array(taxonomyAreaSchema).min(1),
  agencies: z.array(agencySchema).min(1),
  sanctions: z
    .strictObject({ learner: sanctionGridSchema.optional(), staff: sanctionGridSchema.optional() })
    .default({}),
  assessment: assessmentSchema,
  quizzes: z.array(quizSchema).min(1),
  sharing: sharingSchema.prefault({}),
  retention: retentionSchema,
  responseTargets: z.strictObject({
    /** Minutes from a case opening to a DSL claiming it, per severity. */
    claimWithinMinutes: z.strictObject({
      critical: z.int().min(1),
      high: z.int().min(1),
      medium: z.int().min(1),
      low: z.int().min(1),
    }),
  }),
  detection: detectionSchema,
});

export type PolicyPack = z.output<typeof policyPackSchema>;
export type TaxonomyItem = z.output<typeof taxonomyItemSchema>;
export type RetentionRule = z.output<typeof retentionRuleSchema>;
export type Quiz = z.output<typeof quizSchema>;
export type SharingPolicy = z.output<typeof sharingSchema>;
export type QuizQuestion = z.output<typeof quizQuestionSchema>;
export type RoleKey = string;

/** A problem found in a pack, located by its path inside the pack. */
export interface PolicyIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Every name the pack uses must be defined in it. */
export function crossReferenceIssues(pack: PolicyPack): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const roles = new Set(Object.keys(pack.roles));
  const routes = new Set(Object.keys(pack.routes));
  const categories = new Set(pack.taxonomy.flatMap((a) => a.items.map((i) => i.id)));
  const issue = (path: (string | number)[], message: string) => issues.push({ path, message });

  for (const required of ['dsl', 'learners', 'tutors']) {
    if (!roles.has(required)) issue(['roles'], `the "${required}" role must be defined`);
  }
  for (const [name, route] of Object.entries(pack.routes)) {
    route.roles.forEach((role, i) => {
      if (!roles.has(role))
        issue(['routes', name, 'roles', i], `route "${name}" names undefined role "${role}"`);
    });
  }
  if (!routes.has(pack.routing.default)) {
    issue(['routing', 'default'], `default route "${pack.routing.default}" is not defined under routes`);
  }
  pack.routing.rules.forEach((rule, i) => {
    if (!routes.has(rule.route))
      issue(['routing', 'rules', i, 'route'], `route "${rule.route}" is not defined under routes`);
    rule.when.category?.forEach((c, j) => {
      if (!categories.has(c))
        issue(['routing', 'rules', i, 'when', 'category', j], `unknown category "${c}"`);
    });
  });
  pack.retention.rules.forEach((rule, i) => {
    rule.when.category?.forEach((c, j) => {
      if (!categories.has(c))
        issue(['retention', 'rules', i, 'when', 'category', j], `unknown category "${c}"`);
    });
    rule.when.route?.forEach((r, j) => {
      if (!routes.has(r))
        issue(['retention', 'rules', i, 'when', 'route', j], `route "${r}" is not defined under routes`);
    });
  });
  retentionOverlaps(pack.retention.rules).forEach(({ rule, earlier, covers }) =>
    issue(
      ['retention', 'rules', rule],
      `${covers} already has a retention rule (rules[${earlier}]); two rules for the same cases would make the period depend on their order`,
    ),
  );
  duplicates(pack.taxonomy.flatMap((a) => a.items.map((i) => i.id))).forEach((id) =>
    issue(['taxonomy'], `category id "${id}" is used more than once`),
  );
  for (const grid of ['learner', 'staff'] as const) {
    const g = pack.sanctions[grid];
    if (!g) continue;
    const actions = new Set(g.actions.map((a) => a.id));
    g.behaviours.forEach((b, i) => {
      b.actions.forEach((a, j) => {
        if (!actions.has(a))
          issue(['sanctions', grid, 'behaviours', i, 'actions', j], `unknown sanction action "${a}"`);
      });
      b.categories.forEach((c, j) => {
        if (!categories.has(c))
          issue(['sanctions', grid, 'behaviours', i, 'categories', j], `unknown category "${c}"`);
      });
    });
  }
  issues.push(...assessmentIssues(pack, roles, routes));
  duplicates(pack.quizzes.map((q) => q.id)).forEach((id) =>
    issue(['quizzes'], `quiz id "${id}" is used more than once`),
  );
  pack.quizzes.forEach((quiz, i) => {
    if (quiz.audience === 'learners' && quiz.questions.length < 15)
      issue(['quizzes', i, 'questions'], 'a learner induction quiz needs at least 15 questions');
    if (quiz.passMark > quiz.questions.length)
      issue(
        ['quizzes', i, 'passMark'],
        `the pass mark (${quiz.passMark}) is more than the number of questions (${quiz.questions.length})`,
      );
    duplicates(quiz.questions.map((q) => q.id)).forEach((id) =>
      issue(['quizzes', i, 'questions'], `question id "${id}" is used more than once`),
    );
    quiz.questions.forEach((q, j) => {
      duplicates(q.options.map((o) => o.id)).forEach((id) =>
        issue(['quizzes', i, 'questions', j, 'options'], `option id "${id}" is used more than once`),
      );
      if (!q.options.some((o) => o.id === q.answer)) {
        issue(
          ['quizzes', i, 'questions', j, 'answer'],
          `answer "${q.answer}" is not one of the question's options`,
        );
      }
    });
  });
  for (const rule of sharingRuleIds) {
    const r = pack.sharing.rules[rule];
    if (!categories.has(r.category))
      issue(['sharing', 'rules', rule, 'category'], `unknown category "${r.category}"`);
    if (r.route !== undefined && !routes.has(r.route))
      issue(['sharing', 'rules', rule, 'route'], `route "${r.route}" is not defined under routes`);
  }
  for (const audience of ['learners', 'staff'] as const) {
    if (!pack.quizzes.some((q) => q.audience === audience))
      issue(
        ['quizzes'],
        `a quiz for ${audience} is needed (an induction for learners, a refresher for staff)`,
      );
  }
  const d = pack.detection;
  if (!roles.has(d.externalContact.protectedRole)) {
    issue(
      ['detection', 'externalContact', 'protectedRole'],
      `role "${d.externalContact.protectedRole}" is not defined`,
    );
  }
  const checkCategory = (path: (string | number)[], c: string) => {
    if (!categories.has(c)) issue(path, `unknown category "${c}"`);
  };
  checkCategory(['detection', 'externalContact', 'category'], d.externalContact.category);
  checkCategory(['detection', 'dlp', 'category'], d.dlp.category);
  const entries = new Set(d.library.map((e) => e.id));
  const indicators = new Set(d.library.flatMap((e) => (e.indicator ? [e.indicator] : [])));
  duplicates(d.library.map((e) => e.id)).forEach((id) =>
    issue(['detection', 'library'], `library entry id "${id}" is used more than once`),
  );
  Object.entries(d.terms).forEach(([name, items]) =>
    items.forEach((item, j) => {
      const problem = termProblem(item);
      if (problem) issue(['detection', 'terms', name, j], problem);
    }),
  );
  d.library.forEach((entry, i) => {
    checkCategory(['detection', 'library', i, 'category'], d.categoryMap[entry.category] ?? entry.category);
    if (entry.phrases.length === 0 && entry.patterns.length === 0) {
      issue(['detection', 'library', i], `library entry "${entry.id}" needs at least one phrase or pattern`);
    }
    if (!entry.signal && !entry.indicator)
      issue(['detection', 'library', i], `library entry "${entry.id}" neither flags nor notes an indicator`);
    (['phrases', 'near', 'notNear', 'unless'] as const).forEach((field) =>
      (entry[field] ?? []).forEach((phrase, j) => {
        const problem = phraseProblem(phrase, d.terms);
        if (problem) issue(['detection', 'library', i, field, j], problem);
      }),
    );
    entry.patterns.forEach((p, j) => {
      try {
        new RegExp(p, 'iu');
      } catch {
        issue(['detection', 'library', i, 'patterns', j], 'not a valid regular expression');
      }
    });
  });
  Object.entries(d.classifier).forEach(([harm, rule]) =>
    checkCategory(
      ['detection', 'classifier', harm, 'category'],
      d.categoryMap[rule.category] ?? rule.category,
    ),
  );
  if (d.model) checkModel(d.model, checkCategory, d.categoryMap, issue);
  Object.entries(d.categoryMap).forEach(([from, to]) =>
    checkCategory(['detection', 'categoryMap', from], to),
  );
  d.conversation.forEach((rule, i) => {
    checkCategory(
      ['detection', 'conversation', i, 'category'],
      d.categoryMap[rule.category] ?? rule.category,
    );
    rule.indicators.forEach((indicator, j) => {
      if (!indicators.has(indicator))
        issue(
          ['detection', 'conversation', i, 'indicators', j],
          `no library entry notes indicator "${indicator}"`,
        );
    });
    if (rule.threshold > rule.indicators.length)
      issue(
        ['detection', 'conversation', i, 'threshold'],
        'the threshold is more than the indicators listed',
      );
  });
  d.disable.forEach((id, i) => {
    if (!entries.has(id)) issue(['detection', 'disable', i], `no library entry "${id}" to disable`);
  });
  d.adjust.forEach((a, i) => {
    if (!entries.has(a.id)) issue(['detection', 'adjust', i, 'id'], `no library entry "${a.id}" to adjust`);
  });
  return issues;
}

/** Rules of the same kind (category, route, or both) that name the same cases. */
function retentionOverlaps(
  rules: readonly RetentionRule[],
): { rule: number; earlier: number; covers: string }[] {
  const first = new Map<string, number>();
  const overlaps: { rule: number; earlier: number; covers: string }[] = [];
  rules.forEach((rule, i) => {
    for (const covers of retentionCells(rule)) {
      const earlier = first.get(covers);
      if (earlier === undefined) first.set(covers, i);
      else if (earlier !== i) overlaps.push({ rule: i, earlier, covers });
    }
  });
  return overlaps;
}

/** What a rule covers, in words that are equal exactly when two rules of one kind overlap. */
function retentionCells({ when: { category, route } }: RetentionRule): string[] {
  if (category && route) return category.flatMap((c) => route.map((r) => `category "${c}" on route "${r}"`));
  if (category) return category.map((c) => `category "${c}"`);
  return (route ?? []).map((r) => `route "${r}"`);
}

function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  return [...new Set(ids.filter((id) => seen.size === seen.add(id).size))];
}

type Issue = (path: (string | number)[], message: string) => void;

/** The statistical layer's weights fit its classes, and every risk class files under a category. */
function checkModel(
  model: NonNullable<PolicyPack['detection']['model']>,
  checkCategory: Issue,
  categoryMap: Readonly<Record<string, string>>,
  issue: Issue,
): void {
  const at = ['detection', 'model'];
  const width = model.classes.length;
  if (model.classes[0] !== 'none')
    issue([...at, 'classes', 0], 'the first class is "none" (no risk), as the model was trained');
  if (model.bias.length !== width)
    issue([...at, 'bias'], `${model.bias.length} numbers for ${width} classes: retrain the model`);
  const misfit = Object.entries(model.weights).find(([, w]) => w.length !== width);
  if (misfit)
    issue(
      [...at, 'weights', misfit[0]],
      `${misfit[1].length} numbers for ${width} classes: retrain the model`,
    );
  model.classes.slice(1).forEach((c, i) => {
    if (!model.labels[c]) issue([...at, 'classes', i + 1], `class "${c}" has no entry under labels`);
  });
  Object.entries(model.labels).forEach(([c, label]) =>
    checkCategory([...at, 'labels', c, 'category'], categoryMap[label.category] ?? label.category),
  );
}

function assessmentIssues(pack: PolicyPack, roles: Set<string>, routes: Set<string>): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const issue = (path: (string | number)[], message: string) => issues.push({ path, message });
  const a = pack.assessment;
  const checkRole = (path: (string | number)[], role: string) => {
    if (!roles.has(role)) issue(path, `approver role "${role}" is not defined under roles`);
  };
  const checkRoute = (path: (string | number)[], route: string) => {
    if (!routes.has(route)) issue(path, `route "${route}" is not defined under routes`);
  };
  checkRole(['assessment', 'approverRole'], a.approverRole);
  checkRoute(['assessment', 'route'], a.route);
  if (!a.questionnaires.some((q) => q.id === 'technology'))
    issue(
      ['assessment', 'questionnaires'],
      'a questionnaire with id "technology" is required (the `assess` command)',
    );
  duplicates(a.questionnaires.map((q) => q.id)).forEach((id) =>
    issue(['assessment', 'questionnaires'], `questionnaire id "${id}" is used more than once`),
  );
  a.questionnaires.forEach((q, i) => {
    const at = ['assessment', 'questionnaires', i];
    if (q.approverRole !== undefined) checkRole([...at, 'approverRole'], q.approverRole);
    if (q.route !== undefined) checkRoute([...at, 'route'], q.route);
    const questions = new Map(q.sections.flatMap((s) => s.questions.map((x) => [x.id, x] as const)));
    duplicates(q.sections.flatMap((s) => s.questions.map((x) => x.id))).forEach((id) =>
      issue([...at, 'sections'], `question id "${id}" is used more than once`),
    );
    duplicates(q.sections.map((s) => s.id)).forEach((id) =>
      issue([...at, 'sections'], `section id "${id}" is used more than once`),
    );
    q.sections.forEach((s, j) =>
      s.questions.forEach((x, k) => {
        const path = [...at, 'sections', j, 'questions', k];
        if (x.kind === 'choice' && !x.options) issue([...path, 'options'], 'a choice question needs options');
        if (x.kind !== 'choice' && x.options)
          issue([...path, 'options'], 'only choice questions have options');
        if (x.risk && !answersOf(x).includes(x.risk.answer))
          issue([...path, 'risk', 'answer'], `"${x.risk.answer}" is not an answer this question can have`);
        if (x.risk && (x.kind === 'text' || x.kind === 'date' || x.kind === 'url'))
          issue([...path, 'risk'], 'only yes/no/unsure and choice questions can raise risk');
      }),
    );
    if (q.risk.highFrom < q.risk.mediumFrom)
      issue([...at, 'risk', 'highFrom'], 'highFrom must not be below mediumFrom');
    const sections = new Set(q.sections.map((s) => s.id));
    q.risk.rules.forEach((rule, j) => {
      const path = [...at, 'risk', 'rules', j];
      if (!rule.when && !rule.anyRiskIn) issue(path, 'a rule needs `when` or `anyRiskIn`');
      for (const [id, values] of Object.entries(rule.when ?? {})) {
        const question = questions.get(id);
        if (!question) {
          issue([...path, 'when', id], `risk rule names unknown question "${id}"`);
          continue;
        }
        values.forEach((v, k) => {
          if (!answersOf(question).includes(v))
            issue([...path, 'when', id, k], `"${v}" is not an answer question "${id}" can have`);
        });
      }
      rule.anyRiskIn?.forEach((s, k) => {
        if (!sections.has(s)) issue([...path, 'anyRiskIn', k], `risk rule names unknown section "${s}"`);
      });
    });
  });
  return issues;
}

function answersOf(q: { kind: string; options?: readonly { id: string }[] | undefined }): string[] {
  if (q.kind === 'yesNoUnsure') return [...yesNoUnsure];
  return (q.options ?? []).map((o) => o.id);
}
