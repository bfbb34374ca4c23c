import type { AdaptiveCard } from '../../../cards/adaptive-card';
import {
  approverCard,
  draftCard,
  reasonLines,
  requesterCard,
  riskText,
} from '../../../cards/assessment/assessment-cards';
import { allVerbs, verbs } from '../../../cards/verbs';
import type { Actor, AssessmentEvent, AssessmentState, Decision } from '../../../core/assessments/assessment';
import { AssessmentService, summaryStep, type DraftView } from '../../../core/assessments/assessment-service';
import { EsafetyError } from '../../../core/errors';
import { silentLogger } from '../../../core/logger';
import { answerInput, commentInput, limits, scoreRisk } from '../../../core/questionnaire/questionnaire';
import { checkCard } from '../../support/card-validator';
import { shownLinks, shownText } from '../../support/card-text';
import { defaultPack, dslA, staff, steppingClock } from '../../support/fixtures';
import { MemoryAssessmentStore } from '../../support/memory-assessment-store';
import { MemoryDraftStore } from '../../support/memory-draft-store';

const technology = defaultPack.assessment.questionnaires.find((q) => q.id === 'technology')!;
const questions = technology.sections.flatMap((s) => s.questions);
const approverGroup = defaultPack.roles[defaultPack.assessment.approverRole]!.groupId;
const requester: Actor = { id: staff.id, name: 'Sam Staff' };
const approver: Actor = { id: dslA.id, name: 'Dana DSL' };
const timer: Actor = { id: 'system:review-timer' };
/** Teams refuses a message whose card is over 28 KB. */
const teamsLimit = 28 * 1024;

function services() {
  const store = new MemoryAssessmentStore();
  const service = new AssessmentService({
    store,
    drafts: new MemoryDraftStore(),
    pack: defaultPack,
    directory: { isMember: (u, g) => Promise.resolve(u === approver.id && g === approverGroup) },
    clock: steppingClock(),
    log: silentLogger,
  });
  return { store, service };
}

type Values = Record<string, string>;

/** Complete answers: yes/no/unsure questions get `yn` (or the given answer), other kinds a text. */
function answers(yn: 'yes' | 'no', overrides: Values = {}): Values {
  const values: Values = {};
  for (const q of questions)
    values[q.id] =
      q.kind === 'yesNoUnsure' ? yn : q.kind === 'url' ? 'https://padlet.com/college/board' : `About ${q.id}`;
  return { ...values, tool: 'Padlet', ...overrides };
}

function cardData(sectionId: string, values: Values, comments: Values = {}) {
  const data: Values = {};
  for (const q of technology.sections.find((s) => s.id === sectionId)!.questions) {
    if (values[q.id] !== undefined) data[answerInput(q.id)] = values[q.id]!;
    if (comments[q.id] !== undefined) data[commentInput(q.id)] = comments[q.id]!;
  }
  return data;
}

async function filled(service: AssessmentService, values: Values, comments: Values = {}): Promise<DraftView> {
  let view = await service.resume(requester, 'technology');
  for (const s of technology.sections)
    view = await service.step(requester, view.draft.key, s.id, 'next', cardData(s.id, values, comments));
  if (view.draft.at !== summaryStep) throw new EsafetyError('UNEXPECTED', JSON.stringify(view.errors));
  return view;
}

interface Sent {
  readonly state: AssessmentState;
  readonly events: AssessmentEvent[];
  readonly service: AssessmentService;
}

type Step =
  | { kind: 'requestInfo'; question: string }
  | { kind: 'decide'; decision: Decision; conditions?: string; note?: string }
  | { kind: 'answer'; values: Values; comments?: Values; reply?: string }
  | { kind: 'withdraw' }
  | { kind: 'reviewDue' };

/** An assessment sent with these answers, then taken through the steps, as people would. */
async function assessment(values: Values, comments: Values = {}, steps: Step[] = []): Promise<Sent> {
  const { store, service } = services();
  const view = await filled(service, values, comments);
  const sent = await service.submit(requester, view.draft.key);
  if (!('state' in sent)) throw new EsafetyError('UNEXPECTED', 'incomplete');
  const id = sent.state.id;
  for (const step of steps) {
    if (step.kind === 'requestInfo') await service.act(id, approver, step);
    if (step.kind === 'decide')
      await service.act(id, approver, { ...step, reviewDate: service.defaultReviewDate() });
    if (step.kind === 'withdraw') await service.act(id, requester, step);
    if (step.kind === 'reviewDue') await service.act(id, timer, step);
    if (step.kind === 'answer') {
      const { draft } = await service.reopenForAnswer(requester, id);
      for (const s of technology.sections)
        await service.step(requester, draft.key, s.id, 'save', cardData(s.id, step.values, step.comments));
      await service.submit(requester, draft.key, step.reply);
    }
  }
  return { state: await service.get(id), events: await store.events(id), service };
}

const approverOf = (a: Sent, notice?: string) =>
  approverCard(a.state, a.events, defaultPack, {
    defaultReviewDate: a.service.defaultReviewDate(),
    ...(notice !== undefined && { notice }),
  });

/** Every Input.* on the card by id. */
function inputs(card: unknown): Map<string, Record<string, unknown>> {
  const found = new Map<string, Record<string, unknown>>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o['type'] === 'string' && o['type'].startsWith('Input.')) found.set(String(o['id']), o);
    Object.values(o).forEach(walk);
  };
  walk(card);
  return found;
}

/** The Container holding the input with this id: one question's block on the section card. */
function blockOf(card: unknown, inputId: string): Record<string, unknown>[] {
  let block: Record<string, unknown>[] | undefined;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    const items = o['items'];
    if (
      o['type'] === 'Container' &&
      Array.isArray(items) &&
      items.some((i: { id?: string }) => i.id === inputId)
    )
      block = items as Record<string, unknown>[];
    Object.values(o).forEach(walk);
  };
  walk(card);
  return block ?? [];
}

/** Every action on the card (in the card's actions or in an ActionSet), with its data. */
function actionsOf(card: unknown): { title?: string; verb?: string; data?: Record<string, unknown> }[] {
  const found: { title?: string; verb?: string; data?: Record<string, unknown> }[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o['type'] === 'string' && o['type'].startsWith('Action.')) found.push(o);
    Object.values(o).forEach(walk);
  };
  walk(card);
  return found;
}

const errorTexts = (block: Record<string, unknown>[]) =>
  block.filter((i) => i['type'] === 'TextBlock' && i['color'] === 'Attention').map((i) => i['text']);

async function everyCard(): Promise<[string, AdaptiveCard][]> {
  const cards: [string, AdaptiveCard][] = [];
  const { service } = services();
  const start = await service.resume(requester, 'technology');
  for (const s of technology.sections) {
    const clean = await service.show(requester, start.draft.key, s.id);
    cards.push([`section ${s.id}`, draftCard(clean, defaultPack)]);
    const wrong = await service.step(requester, start.draft.key, s.id, 'next', {});
    expect(Object.keys(wrong.errors).length).toBeGreaterThan(0);
    cards.push([`section ${s.id} with errors`, draftCard(wrong, defaultPack)]);
  }
  const risky = answers('yes', { under18: 'yes' });
  const comments = { strangers: 'Public boards', signUp: 'Google accounts' };
  const done = await filled(services().service, risky, comments);
  cards.push(['summary', draftCard(done, defaultPack)]);
  const low = await filled(services().service, answers('no'));
  cards.push(['summary, low risk', draftCard(low, defaultPack)]);

  const sent = await assessment(risky, comments);
  const asked = await assessment(risky, comments, [{ kind: 'requestInfo', question: 'Can it be locked?' }]);
  const answered = await assessment(risky, comments, [
    { kind: 'requestInfo', question: 'Can it be locked?' },
    { kind: 'answer', values: answers('no'), reply: 'Yes, locked.' },
  ]);
  const approved = await assessment(risky, comments, [
    { kind: 'decide', decision: 'approveWithConditions', conditions: 'Tenant only.', note: 'Checked.' },
  ]);
  const rejected = await assessment(risky, comments, [{ kind: 'decide', decision: 'reject' }]);
  const reviewDue = await assessment(risky, comments, [
    { kind: 'decide', decision: 'approve' },
    { kind: 'reviewDue' },
  ]);
  const withdrawn = await assessment(risky, comments, [{ kind: 'withdraw' }]);

  const answering = await asked.service.reopenForAnswer(requester, asked.state.id);
  cards.push([
    'summary, answering',
    draftCard({ ...answering, draft: { ...answering.draft, at: summaryStep } }, defaultPack),
  ]);
  cards.push(['requester submitted', requesterCard(sent.state, defaultPack, 'submitted')]);
  cards.push(['requester infoRequested', requesterCard(asked.state, defaultPack, 'infoRequested')]);
  cards.push(['requester answered', requesterCard(answered.state, defaultPack, 'answered')]);
  cards.push(['requester decided, with conditions', requesterCard(approved.state, defaultPack, 'decided')]);
  cards.push(['requester decided, rejected', requesterCard(rejected.state, defaultPack, 'decided')]);
  cards.push(['requester reviewDue', requesterCard(reviewDue.state, defaultPack, 'reviewDue')]);
  cards.push(['requester withdrawn', requesterCard(withdrawn.state, defaultPack, 'withdrawn')]);
  cards.push(['approver open', approverOf(sent)]);
  cards.push(['approver open with a notice', approverOf(sent, 'Only the approver can decide.')]);
  cards.push(['approver moreInfo', approverOf(asked)]);
  cards.push(['approver answered', approverOf(answered)]);
  cards.push(['approver decided', approverOf(approved)]);
  cards.push(['approver rejected', approverOf(rejected)]);
  cards.push(['approver review due', approverOf(reviewDue)]);
  cards.push(['approver withdrawn', approverOf(withdrawn)]);
  return cards;
}

describe('assessment cards', () => {
  let cards: [string, AdaptiveCard][];
  beforeAll(async () => {
    cards = await everyCard();
  });

  it('each parses at Adaptive Cards 1.5 with no events, every input labelled, no unexpanded ${, no duplicate id', () => {
    for (const [name, card] of cards) {
      const problems = checkCard(card);
      expect({ name, ...problems, verbs: [] }).toEqual({
        name,
        events: [],
        unlabelledInputs: [],
        unexpanded: [],
        duplicateIds: [],
        verbs: [],
      });
      expect(card.version).toBe('1.5');
      for (const verb of problems.verbs) expect(allVerbs).toContain(verb);
    }
  });

  it('never puts a `key` property in action data (the Agents Playground throws on it)', () => {
    for (const [name, card] of cards) {
      const keyed = actionsOf(card).filter((a) => a.data !== undefined && 'key' in a.data);
      expect({ name, keyed }).toEqual({ name, keyed: [] });
    }
  });
});

/** Ordinary prose (nothing Markdown would escape) of exactly `n` characters. */
const prose = (n: number, seed: string) =>
  `${seed}: `
    .concat('learners post revision notes on shared boards and the tutor checks them each week, '.repeat(20))
    .slice(0, n);

const bytes = (card: AdaptiveCard) => Buffer.byteLength(JSON.stringify(card), 'utf8');

describe('card size', () => {
  /** Every answer at its longest: texts and comments at their limits, every risk question yes. */
  const longest = () => {
    const values: Values = {};
    const comments: Values = {};
    for (const q of questions) {
      if (q.kind === 'text') values[q.id] = prose(limits.text, q.id);
      else if (q.kind === 'url') values[q.id] = `https://padlet.com/${'a'.repeat(480)}`;
      else values[q.id] = 'yes';
      if (q.kind === 'yesNoUnsure') comments[q.id] = prose(limits.comment, `c-${q.id}`);
    }
    return { values, comments };
  };
  let sized: Record<string, AdaptiveCard>;

  beforeAll(async () => {
    const { values, comments } = longest();
    const long = prose(1000, 'note');
    const view = await filled(services().service, values, comments);
    const open = await assessment(values, comments);
    const worked = await assessment(values, comments, [
      { kind: 'requestInfo', question: long },
      { kind: 'answer', values, comments, reply: long },
      { kind: 'decide', decision: 'approveWithConditions', conditions: long, note: long },
    ]);
    sized = {
      ...Object.fromEntries(
        technology.sections.map((s) => [
          `section ${s.id}`,
          draftCard({ ...view, draft: { ...view.draft, at: s.id } }, defaultPack),
        ]),
      ),
      'requester, sent': requesterCard(open.state, defaultPack, 'submitted'),
      'requester, decided with conditions': requesterCard(worked.state, defaultPack, 'decided'),
      summary: draftCard(view, defaultPack),
      'approver, open': approverOf(open),
      'approver, decided after a question': approverOf(worked),
    };
  });

  it('the answers really are at their longest', () => {
    const { values, comments } = longest();
    expect(Object.values(comments).every((c) => c.length === limits.comment)).toBe(true);
    expect(
      questions.filter((q) => q.kind === 'text').every((q) => values[q.id]!.length === limits.text),
    ).toBe(true);
  });

  it.each(['facts', 'safeguarding', 'data-protection', 'service'].map((s) => `section ${s}`))(
    '%s stays under 28 KB',
    (name) => {
      expect(bytes(sized[name]!)).toBeLessThan(teamsLimit);
    },
  );

  it.each(['requester, sent', 'requester, decided with conditions'])('%s stays under 28 KB', (name) => {
    expect(bytes(sized[name]!)).toBeLessThan(teamsLimit);
  });

  // Each risk reason shows only the start of its comment (the answers list has it in full), so twelve
  // 1000-character comments do not appear twice.
  it.each(['summary', 'approver, open', 'approver, decided after a question'])(
    '%s stays under 28 KB',
    (name) => {
      expect(bytes(sized[name]!)).toBeLessThan(teamsLimit);
    },
  );
});

describe('text a person wrote', () => {
  const hostile = '[click](https://evil.example.com) **bold**';
  const inert = '[click](https[:]//evil.example[.]com) **bold**';

  it('is shown as inert text, never a link or formatting, on every card that shows it', async () => {
    const values = answers('no', { tool: hostile, strangers: 'yes' });
    const comments = { strangers: hostile, 'no-reporting': hostile };
    const view = await filled(services().service, values, comments);
    const asked = await assessment(values, comments, [{ kind: 'requestInfo', question: hostile }]);
    const decided = await assessment(values, comments, [
      { kind: 'decide', decision: 'approveWithConditions', conditions: hostile, note: hostile },
    ]);
    const shown: [string, AdaptiveCard][] = [
      ['summary', draftCard(view, defaultPack)],
      ['approver, waiting', approverOf(asked)],
      ['approver, decided', approverOf(decided)],
      ['requester, asked', requesterCard(asked.state, defaultPack, 'infoRequested')],
      ['requester, decided', requesterCard(decided.state, defaultPack, 'decided')],
    ];
    for (const [name, card] of shown) {
      expect({ name, links: shownLinks(card) }).toEqual({ name, links: [] });
      const text = shownText(card);
      expect(text).toContain(inert);
      expect(text).not.toContain('https://evil');
    }
    const strangers = questions.find((q) => q.id === 'strangers')!;
    expect(shownText(approverOf(asked))).toContain(`${strangers.text}: Yes · ${inert}`);
    expect(shownText(approverOf(asked))).toContain(`Waiting for the requester's answer to: ${inert}`);
    expect(shownText(requesterCard(decided.state, defaultPack, 'decided'))).toContain(`Note: ${inert}`);
  });

  it('keeps what was typed in the inputs of a returned section, exactly as typed', async () => {
    const { service } = services();
    const { draft } = await service.resume(requester, 'technology');
    const view = await service.step(
      requester,
      draft.key,
      'facts',
      'next',
      cardData('facts', { tool: hostile, link: 'not a link' }, { signUp: hostile }),
    );
    const card = draftCard(view, defaultPack);
    expect(inputs(card).get(answerInput('tool'))?.['value']).toBe(hostile);
    expect(inputs(card).get(commentInput('signUp'))?.['value']).toBe(hostile);
    expect(shownLinks(card)).toEqual([]);
  });
});

describe('the section card', () => {
  const facts = technology.sections.find((s) => s.id === 'facts')!;

  it('shows each problem next to its question and keeps every typed value in its input', async () => {
    const { service } = services();
    const { draft } = await service.resume(requester, 'technology');
    const typed = { tool: 'Padlet', link: 'padlet dot com', purpose: '', under18: 'unsure', signUp: 'yes' };
    const view = await service.step(
      requester,
      draft.key,
      'facts',
      'next',
      cardData('facts', typed, { under18: 'Some are 16' }),
    );
    expect(view.draft.at).toBe('facts');
    expect(view.errors).toMatchObject({
      link: 'Give a web address starting with https:// or http://',
      purpose: 'Please answer this question.',
    });
    const card = draftCard(view, defaultPack);
    const found = inputs(card);
    for (const q of facts.questions) {
      const block = blockOf(card, answerInput(q.id));
      const error = view.errors[q.id];
      expect({ q: q.id, errors: errorTexts(block) }).toEqual({
        q: q.id,
        errors: error ? [`${q.text} ${error}`] : [],
      });
      expect(found.get(answerInput(q.id))?.['value']).toBe(typed[q.id as keyof typeof typed] ?? '');
    }
    expect(Object.keys(view.errors).sort()).toEqual(
      facts.questions
        .filter((q) => q.id === 'link' || (q.required && !(typed as Values)[q.id]))
        .map((q) => q.id)
        .sort(),
    );
    expect(found.get(commentInput('under18'))?.['value']).toBe('Some are 16');
    expect(shownText(card)).toContain(
      'Please answer the questions marked below; your other answers are kept.',
    );
  });

  it('shows no problem and no warning on a fresh section, with the step, the help and a labelled input per question', async () => {
    const { service } = services();
    const view = await service.resume(requester, 'technology');
    const card = draftCard(view, defaultPack);
    const text = shownText(card);
    expect(text).toContain(`Part 1 of ${technology.sections.length}: ${facts.title}`);
    expect(text).not.toContain('Please answer the questions marked below');
    for (const q of facts.questions) {
      expect(errorTexts(blockOf(card, answerInput(q.id)))).toEqual([]);
      expect(inputs(card).get(answerInput(q.id))?.['label']).toBe(
        `${q.text}${q.required ? '' : ' (optional)'}`,
      );
      if (q.help) expect(text).toContain(q.help);
    }
  });

  it('offers Back after the first section, and Check and send on the last', async () => {
    const { service } = services();
    const { draft } = await service.resume(requester, 'technology');
    const titles = async (at: string) =>
      (
        draftCard(await service.show(requester, draft.key, at), defaultPack)['actions'] as { title: string }[]
      ).map((a) => a.title);
    expect(await titles(technology.sections[0]!.id)).toEqual(['Next', 'Save and finish later']);
    expect(await titles(technology.sections[1]!.id)).toEqual(['Next', 'Back', 'Save and finish later']);
    expect(await titles(technology.sections.at(-1)!.id)).toEqual([
      'Check and send',
      'Back',
      'Save and finish later',
    ]);
  });

  it('names the draft, the section and the move in each button’s data, as `draft`', async () => {
    const { service } = services();
    const { draft } = await service.resume(requester, 'technology');
    const second = technology.sections[1]!.id;
    const card = draftCard(await service.show(requester, draft.key, second), defaultPack);
    expect(actionsOf(card).map((a) => [a.title, a.verb, a.data])).toEqual([
      ['Next', verbs.assessmentStep, { draft: draft.key, section: second, move: 'next' }],
      ['Back', verbs.assessmentStep, { draft: draft.key, section: second, move: 'back' }],
      ['Save and finish later', verbs.assessmentStep, { draft: draft.key, section: second, move: 'save' }],
    ]);
  });
});

describe('the summary card', () => {
  it('shows the risk the pack gives, with each reason, every answer and a way to change each section', async () => {
    const values = answers('no', { under18: 'yes', signUp: 'yes', strangers: 'unsure' });
    const view = await filled(services().service, values, { strangers: 'Checking with IT' });
    const card = draftCard(view, defaultPack);
    const text = shownText(card);
    const risk = scoreRisk(technology, view.draft.answers);
    expect(text).toContain(`Risk level: ${riskText[risk.level]}`);
    for (const { line } of reasonLines(technology, risk.reasons, view.draft.answers))
      expect(text).toContain(`- ${line}`);
    for (const s of technology.sections) expect(text).toContain(s.title);
    const shows = JSON.stringify(card).match(new RegExp(`"verb":"${verbs.assessmentShow}"`, 'g')) ?? [];
    expect(shows).toHaveLength(technology.sections.length);
    expect(inputs(card).has('reply')).toBe(false);
    expect((card['actions'] as { title: string }[]).map((a) => a.title)).toEqual(['Send for approval']);
  });

  it('names the draft as `draft` in the data of each Change button and of the send button', async () => {
    const view = await filled(services().service, answers('no'));
    const card = draftCard(view, defaultPack);
    expect(actionsOf(card).map((a) => [a.title, a.verb, a.data])).toEqual([
      ...technology.sections.map((s) => [
        'Change',
        verbs.assessmentShow,
        { draft: view.draft.key, section: s.id },
      ]),
      ['Send for approval', verbs.assessmentSubmit, { draft: view.draft.key }],
    ]);
  });

  it('when answering the approver, offers a reply and sends the answers back', async () => {
    const asked = await assessment(answers('no', { strangers: 'yes' }), {}, [
      { kind: 'requestInfo', question: 'Which boards?' },
    ]);
    const view = await asked.service.reopenForAnswer(requester, asked.state.id);
    const card = draftCard(await asked.service.show(requester, view.draft.key, summaryStep), defaultPack);
    expect(inputs(card).get('reply')?.['label']).toBe('Your reply to the approver (optional)');
    expect((card['actions'] as { title: string }[]).map((a) => a.title)).toEqual(['Send answers']);
    expect(actionsOf(card).at(-1)?.data).toEqual({ draft: view.draft.key });
    // The question is on the requester's card; the summary has no line repeating it.
    expect(shownText(card)).not.toContain('Which boards?');
  });
});

describe('reasonLines', () => {
  it('gives the question and the answer (and its comment) for an answer, the pack’s reason for a rule', () => {
    const answersGiven = { strangers: { value: 'unsure', comment: 'Checking' }, signUp: { value: 'yes' } };
    const rule = technology.risk.rules.find((r) => r.id === 'children-sign-up')!;
    const q = (id: string) => questions.find((x) => x.id === id)!;
    expect(
      reasonLines(
        technology,
        [
          { kind: 'answer', questionId: 'strangers', answer: 'unsure', weight: 3 },
          { kind: 'answer', questionId: 'signUp', answer: 'yes', weight: 1 },
          { kind: 'rule', ruleId: rule.id, level: 'high' },
        ],
        answersGiven,
      ).map((l) => shownText({ type: 'TextBlock', text: l.line })),
    ).toEqual([
      `${q('strangers').text} Unsure (Checking)`,
      `${q('signUp').text} Yes`,
      `${rule.reason} (high by the policy's rule)`,
    ]);
  });

  it('shows at most the first 120 characters of a comment, ending with …', () => {
    const q = questions.find((x) => x.id === 'strangers')!;
    const line = (comment: string) =>
      reasonLines(technology, [{ kind: 'answer', questionId: 'strangers', answer: 'yes', weight: 3 }], {
        strangers: { value: 'yes', comment },
      }).map((l) => shownText({ type: 'TextBlock', text: l.line }));
    const long = prose(limits.comment, 'why');
    expect(line(long)).toEqual([`${q.text} Yes (${long.slice(0, 119)}…)`]);
    const exactly = prose(120, 'why');
    expect(line(exactly)).toEqual([`${q.text} Yes (${exactly})`]);
    const over = prose(121, 'why');
    expect(line(over)).toEqual([`${q.text} Yes (${over.slice(0, 119)}…)`]);
  });
});

const shownAnswer: Record<string, string> = { yes: 'Yes', no: 'No', unsure: 'Unsure' };

describe('the approver card', () => {
  const decisionInputs = ['decision', 'conditions', 'reviewDate', 'note'];
  const risky = answers('no', { under18: 'yes', signUp: 'yes', strangers: 'yes' });

  it('shows the risk level and each reason: the question and the answer, or the rule', async () => {
    const sent = await assessment(risky, { strangers: 'Public boards' });
    const text = shownText(approverOf(sent));
    const q = (id: string) => questions.find((x) => x.id === id)!;
    expect(text).toContain(`Risk level: ${riskText[sent.state.risk]}`);
    expect(sent.state.reasons.length).toBeGreaterThan(0);
    for (const r of sent.state.reasons) {
      if (r.kind === 'answer') expect(text).toContain(`- ${q(r.questionId).text} ${shownAnswer[r.answer]}`);
      else expect(text).toContain(`- ${technology.risk.rules.find((x) => x.id === r.ruleId)!.reason}`);
    }
    expect(text).toContain(`- ${q('strangers').text} Yes (Public boards)`);
    expect(text).not.toContain('No answer raised the risk.');
    const long = prose(limits.comment, 'boards').trim(); // answers are stored trimmed
    const longText = shownText(approverOf(await assessment(risky, { strangers: long })));
    expect(longText).toContain(`- ${q('strangers').text} Yes (${long.slice(0, 119)}…)`);
    expect(longText).toContain(`${q('strangers').text}: Yes · ${long}`);
    expect(longText).not.toContain(`Yes (${long})`);
    const low = await assessment(answers('no'));
    expect(shownText(approverOf(low))).toContain('No answer raised the risk.');
  });

  it('offers the decision inputs and actions only while the assessment waits for a decision', async () => {
    const states: [string, Step[], boolean][] = [
      ['open', [], true],
      [
        'answered',
        [
          { kind: 'requestInfo', question: 'Q?' },
          { kind: 'answer', values: risky },
        ],
        true,
      ],
      ['waiting for the requester', [{ kind: 'requestInfo', question: 'Q?' }], false],
      ['decided', [{ kind: 'decide', decision: 'approve' }], false],
      ['withdrawn', [{ kind: 'withdraw' }], false],
    ];
    for (const [name, steps, open] of states) {
      const a = await assessment(risky, {}, steps);
      const card = approverOf(a);
      const ids = [...inputs(card).keys()];
      const cardVerbs = checkCard(card).verbs;
      if (open) {
        expect({ name, ids }).toEqual({ name, ids: [...decisionInputs, 'question'] });
        expect(inputs(card).get('reviewDate')?.['value']).toBe(a.service.defaultReviewDate());
        expect(cardVerbs).toEqual(expect.arrayContaining([verbs.assessmentDecide, verbs.assessmentAskInfo]));
      } else {
        expect({ name, ids }).toEqual({ name, ids: [] });
        expect({ name, cardVerbs }).toEqual({ name, cardVerbs: [verbs.assessmentRefresh] });
      }
    }
  });

  it('shows the decision, the review date and the conditions once decided, and the question while waiting', async () => {
    const decided = await assessment(risky, {}, [
      { kind: 'decide', decision: 'approveWithConditions', conditions: 'Tenant only.' },
    ]);
    const text = shownText(approverOf(decided));
    expect(text).toContain('Decision: approved with conditions');
    expect(text).toContain(`Review by: ${decided.state.reviewDate}`);
    expect(text).toContain('Conditions: Tenant only.');
    expect(text).toContain('Dana DSL: approved with conditions');
    const rejected = await assessment(risky, {}, [{ kind: 'decide', decision: 'reject' }]);
    expect(shownText(approverOf(rejected))).toContain('Decision: not approved');
    expect(shownText(approverOf(rejected))).not.toContain('Review by:');
    const asked = await assessment(risky, {}, [{ kind: 'requestInfo', question: 'Which boards?' }]);
    expect(shownText(approverOf(asked))).toContain("Waiting for the requester's answer to: Which boards?");
    expect(shownText(approverOf(asked, 'Already asked.'))).toContain('Already asked.');
  });
});

describe('the requester card', () => {
  const risky = answers('no', { strangers: 'yes' });
  const actions = (card: AdaptiveCard) =>
    ((card['actions'] ?? []) as { title: string; data: { purpose?: string } }[]).map((a) => a.title);

  it.each<[string, Step[], Parameters<typeof requesterCard>[2], string[], RegExp]>([
    ['sent', [], 'submitted', ['Withdraw'], /^Risk assessment sent: RA-/],
    [
      'asked',
      [{ kind: 'requestInfo', question: 'Which boards?' }],
      'infoRequested',
      ['Answer', 'Withdraw'],
      /^More information needed: RA-/,
    ],
    [
      'answered',
      [
        { kind: 'requestInfo', question: 'Which boards?' },
        { kind: 'answer', values: answers('no') },
      ],
      'answered',
      ['Withdraw'],
      /^Answers sent: RA-/,
    ],
    [
      'approved',
      [{ kind: 'decide', decision: 'approve' }],
      'decided',
      [],
      /^RA-\d{4}-[2-9A-HJ-NP-Z]{6} approved$/,
    ],
    [
      'rejected',
      [{ kind: 'decide', decision: 'reject' }],
      'decided',
      [],
      /^RA-\d{4}-[2-9A-HJ-NP-Z]{6} not approved$/,
    ],
    [
      'review due',
      [{ kind: 'decide', decision: 'approve' }, { kind: 'reviewDue' }],
      'reviewDue',
      ['Review now'],
      /^Time to review RA-/,
    ],
    ['withdrawn', [{ kind: 'withdraw' }], 'withdrawn', [], /^RA-\d{4}-[2-9A-HJ-NP-Z]{6} withdrawn$/],
  ])(
    '%s: the headline, and only the actions that can happen now',
    async (_name, steps, change, expectedActions, headline) => {
      const a = await assessment(risky, {}, steps);
      const card = requesterCard(a.state, defaultPack, change);
      expect(shownText(card).split('\n')[0]).toMatch(headline);
      expect(shownText(card)).toContain(`Reference: ${a.state.reference}`);
      expect(actions(card)).toEqual(expectedActions);
    },
  );

  it('shows the review date only for an approval, and the approver’s question only while it waits', async () => {
    const approved = await assessment(risky, {}, [{ kind: 'decide', decision: 'approve' }]);
    expect(shownText(requesterCard(approved.state, defaultPack, 'decided'))).toContain(
      `Review by: ${approved.state.reviewDate}`,
    );
    const rejected = await assessment(risky, {}, [{ kind: 'decide', decision: 'reject' }]);
    expect(shownText(requesterCard(rejected.state, defaultPack, 'decided'))).not.toContain('Review by');
    const asked = await assessment(risky, {}, [{ kind: 'requestInfo', question: 'Which boards?' }]);
    expect(shownText(requesterCard(asked.state, defaultPack, 'infoRequested'))).toContain(
      'The approver asks: Which boards?',
    );
    const answered = await assessment(risky, {}, [
      { kind: 'requestInfo', question: 'Which boards?' },
      { kind: 'answer', values: risky },
    ]);
    expect(shownText(requesterCard(answered.state, defaultPack, 'answered'))).not.toContain('Which boards?');
  });
});
