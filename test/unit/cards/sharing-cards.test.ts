/**
 * The cards of a sharing case (issue 12): the case card's "Sharing…" actions, its "Files shared"
 * fact and its link to the file, and the card the owner gets in their own chat. Cases are opened
 * through the real signal intake from sharing signals, so the cards show what production shows.
 */
import type { AdaptiveCard } from '../../../cards/adaptive-card';
import { caseInputs } from '../../../cards/case-card/case-actions';
import { caseCard } from '../../../cards/case-card/case-card';
import { ownerCard, sharingInputs } from '../../../cards/sharing/sharing-cards';
import { allVerbs, verbs } from '../../../cards/verbs';
import type { Actor } from '../../../core/cases/case-events';
import { CaseService } from '../../../core/cases/case-service';
import type { CaseCommand } from '../../../core/cases/case-state';
import { SignalIntake } from '../../../core/intake/signal-intake';
import { silentLogger } from '../../../core/logger';
import type { PolicyPack } from '../../../core/policy/policy-pack';
import { sharingObservation } from '../../../core/sharing/sharing-intake';
import { evaluateSharing, type SharingSignal } from '../../../core/sharing/sharing-signal';
import { checkCard } from '../../support/card-validator';
import { shownLinks, shownText } from '../../support/card-text';
import { defaultPack, dslA, report, staff, steppingClock } from '../../support/fixtures';
import { anyoneShare } from '../../support/sharing-fixtures';
import { MemoryCaseStore } from '../../support/memory-case-store';
import { MemorySignalLedger } from '../../support/memory-signal-ledger';

const owner = { id: '55555555-5555-4555-8555-555555555555', name: 'Tariq Tutor' };
const fileUrl = (n: number) => `https://example.sharepoint.com/sites/LearnerRecords/Documents/item-${n}`;
const noRemoval: PolicyPack = { ...defaultPack, sharing: { ...defaultPack.sharing, removeAccess: false } };

const share = anyoneShare;

/** A sharing case opened from `shares` (in order, all by one sharer), then `steps` by their actors. */
async function sharingCase(
  shares: readonly SharingSignal[] = [share(1)],
  steps: readonly [CaseCommand, Actor?][] = [],
) {
  const clock = steppingClock('2026-12-02T09:59:00.000Z');
  const store = new MemoryCaseStore();
  const cases = new CaseService({ store, pack: defaultPack, clock, log: silentLogger });
  const intake = new SignalIntake({
    pack: defaultPack,
    cases,
    ledger: new MemorySignalLedger(),
    clock,
    log: silentLogger,
  });
  let caseId = '';
  for (const s of shares) {
    const verdict = evaluateSharing(s, defaultPack.sharing, { ownerIsLearner: false });
    if (!verdict.risky) throw new Error('expected a risky share');
    const outcome = await intake.receive(
      sharingObservation(s, verdict.findings, verdict.externalDomains, { type: 'staff' }),
    );
    if (!('caseId' in outcome)) throw new Error(`expected a case, got ${outcome.outcome}`);
    caseId = outcome.caseId;
  }
  for (const [command, actor] of steps) await cases.act(caseId, actor ?? dslA, command);
  const state = await cases.get(caseId);
  if (!state) throw new Error('no case');
  return { state, events: await store.events(caseId) };
}

async function sharingCard(
  shares?: readonly SharingSignal[],
  steps?: readonly [CaseCommand, Actor?][],
  pack = defaultPack,
) {
  const { state, events } = await sharingCase(shares, steps);
  return caseCard(state, events, pack);
}

type Node = Record<string, unknown>;
/** Every action on the card, nested show-cards included. */
function actionsOf(node: unknown): Node[] {
  const found: Node[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Node;
    if (typeof o['type'] === 'string' && o['type'].startsWith('Action.')) found.push(o);
    Object.values(o).forEach(walk);
  };
  walk(node);
  return found;
}
const sharingMenu = (card: AdaptiveCard) =>
  actionsOf(card).find((a) => a['type'] === 'Action.ShowCard' && a['title'] === 'Sharing…');
const titles = (node: unknown) => actionsOf(node).map((a) => a['title']);
/** The titles of the actions inside the "Sharing…" menu. */
const menuTitles = (card: AdaptiveCard) => titles(sharingMenu(card)?.['card']);

function expectValid(name: string, card: AdaptiveCard) {
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

describe('sharing cards parse', () => {
  it('every sharing card parses in the adaptivecards library at 1.5, every input labelled', async () => {
    const claimed: [CaseCommand, Actor?][] = [[{ kind: 'claim' }]];
    const open = await sharingCase([share(1), share(2)], claimed);
    const asked = await sharingCase(undefined, [[{ kind: 'askOwner' }]]);
    const cards: [string, AdaptiveCard][] = [
      ['case card, claimed', caseCard(open.state, open.events, defaultPack)],
      ['case card, removal off', caseCard(open.state, open.events, noRemoval)],
      ['case card, sharer unknown', await sharingCard([share(1, { sharedBy: undefined })], claimed)],
      [
        'case card, worked',
        await sharingCard(undefined, [
          [{ kind: 'claim' }],
          [{ kind: 'recordAccessRemoval', removed: 1, gone: 1, failed: 1 }],
          [{ kind: 'askOwner' }],
          [{ kind: 'answerAsOwner', answer: 'needed', reason: 'For the exam board.' }, owner],
        ]),
      ],
      [
        'case card, closed',
        await sharingCard(undefined, [[{ kind: 'close', outcome: 'noFurtherAction', note: 'Accepted.' }]]),
      ],
      [
        'case card, with a notice',
        caseCard(open.state, open.events, defaultPack, {
          notice: { text: '1 of 2 could not be removed and is still shared.', tone: 'warning' },
        }),
      ],
      ['owner card', ownerCard(asked.state, defaultPack)],
      ['owner card, with a problem', ownerCard(asked.state, defaultPack, 'Say why the sharing is needed.')],
    ];
    for (const [name, card] of cards) expectValid(name, card);
  });

  // BUG (cards/case-card/case-card.json): a sharing case not yet claimed shows six top-level actions
  // (Claim, Sharing…, Add note, Record…, Close, Refresh); the adaptivecards library at 1.5 reports
  // "Maximum number of actions exceeded (5).". Every sharing case opens unclaimed. Passes once that
  // is fixed; then drop `.failing`.
  it('the card of a new, unclaimed sharing case parses at 1.5 too', async () => {
    const { state, events } = await sharingCase();
    expect(checkCard(caseCard(state, events, defaultPack)).events).toEqual([]);
  });
});

describe('the case card of a sharing case', () => {
  it('offers remove, ask and accept under "Sharing…", with a labelled reason to accept', async () => {
    const { state, events } = await sharingCase();
    const card = caseCard(state, events, defaultPack);
    const menu = sharingMenu(card);
    expect(menu).toBeDefined();
    expect(menuTitles(card)).toEqual(['Remove the link / access', 'Ask the owner', 'Accept with reason']);
    const body = (menu?.['card'] as { body: Node[] }).body;
    const input = body.find((b) => b['type'] === 'Input.Text');
    expect(input).toMatchObject({ id: caseInputs.acceptReason, maxLength: 500 });
    expect(String(input?.['label'])).toContain('why it is acceptable');
    expect(checkCard(card).verbs).toEqual(
      expect.arrayContaining([verbs.sharingRemoveAccess, verbs.sharingAskOwner, verbs.sharingAccept]),
    );
    for (const a of actionsOf(menu).filter((x) => x['type'] === 'Action.Execute'))
      expect(a['data']).toEqual({ caseId: state.id });
    expect(shownText(card)).toContain('The owner has not been asked.');
  });

  it('does not offer removal when the policy turns it off, and says who removes it', async () => {
    const card = await sharingCard(undefined, [], noRemoval);
    expect(menuTitles(card)).toEqual(['Ask the owner', 'Accept with reason']);
    expect(checkCard(card).verbs).not.toContain(verbs.sharingRemoveAccess);
    expect(shownText(card)).toContain(
      'The owner has not been asked. Removing sharing from here is off in the policy: the owner or IT removes it.',
    );
  });

  it('does not offer to ask when Microsoft 365 did not say who shared the file', async () => {
    const card = await sharingCard([share(1, { sharedBy: undefined })]);
    expect(menuTitles(card)).toEqual(['Remove the link / access', 'Accept with reason']);
    expect(checkCard(card).verbs).not.toContain(verbs.sharingAskOwner);
  });

  it.each<[string, [CaseCommand, Actor?][], boolean, string]>([
    [
      'asked, not answered: not asked again',
      [[{ kind: 'askOwner' }]],
      false,
      'The owner has been asked and has not answered yet.',
    ],
    [
      'answered "removed": may be asked again',
      [[{ kind: 'askOwner' }], [{ kind: 'answerAsOwner', answer: 'removed' }, owner]],
      true,
      'The owner says they have removed the sharing.',
    ],
    [
      'answered "needed": may be asked again',
      [[{ kind: 'askOwner' }], [{ kind: 'answerAsOwner', answer: 'needed', reason: 'Exam board.' }, owner]],
      true,
      'The owner says the sharing is needed (see the record).',
    ],
  ])('owner %s', async (_name, steps, offered, line) => {
    const card = await sharingCard(undefined, steps);
    expect(menuTitles(card).includes('Ask the owner')).toBe(offered);
    expect(menuTitles(card)).toContain('Accept with reason');
    expect(shownText(card)).toContain(line);
  });

  it('shows what was done in the latest entries', async () => {
    const text = shownText(
      await sharingCard(undefined, [
        [{ kind: 'recordAccessRemoval', removed: 1, gone: 0, failed: 1 }],
        [{ kind: 'askOwner' }],
        [{ kind: 'answerAsOwner', answer: 'needed', reason: 'For the *exam* board.' }, owner],
      ]),
    );
    expect(text).toContain(
      'Dana DSL removed the sharing (1 link or grant); 1 could not be removed and is still shared',
    );
    expect(text).toContain('Dana DSL asked the owner to remove the sharing or say why it is needed');
    expect(text).toContain('Tariq Tutor (the owner) says the sharing is needed: For the *exam* board.');
  });

  it.each<[string, SharingSignal[], string]>([
    ['one share', [share(1)], '1'],
    ['three files', [share(1), share(2), share(3)], '3'],
    // The same file shared twice (a second link) is one file.
    ['one file shared twice', [share(1), share(1, { permissionId: 'perm-1b' })], '1'],
    ['two files, one shared twice', [share(1), share(2), share(2, { permissionId: 'perm-2b' })], '2'],
  ])('counts the files shared: %s', async (_name, shares, count) => {
    const text = shownText(await sharingCard(shares));
    expect(text.split('\n')).toContain(`Files shared: ${count}`);
  });

  it('links to the file in Microsoft 365 and nowhere else', async () => {
    const card = await sharingCard([share(1), share(2)]);
    expect(shownLinks(card)).toEqual([fileUrl(1)]);
    expect(shownText(card)).toContain('Open the file in Microsoft 365');
    expect(shownText(card)).not.toContain('Open the message in Teams');
  });

  it('escapes characters that could end the Markdown link early', async () => {
    const card = await sharingCard([
      share(1, { itemUrl: 'https://example.sharepoint.com/sites/a/Shared Documents/Plan (1).docx' }),
    ]);
    expect(shownLinks(card)).toEqual([
      'https://example.sharepoint.com/sites/a/Shared%20Documents/Plan%20%281%29.docx',
    ]);
  });

  it.each([
    ['another host', 'https://evil.example/x'],
    ['a look-alike host', 'https://example.sharepoint.com.evil.example/x'],
    ['plain http', 'http://example.sharepoint.com/sites/a/x'],
    ['credentials in the address', 'https://user:pw@example.sharepoint.com/sites/a/x'],
    ['not an address', 'sharepoint file'],
  ])('renders no link to %s', async (_name, itemUrl) => {
    const card = await sharingCard([share(1, { itemUrl })]);
    expect(shownLinks(card)).toEqual([]);
    expect(shownText(card)).not.toContain('Open the file in Microsoft 365');
    expect(JSON.stringify(card)).not.toContain('Open the file in Microsoft 365');
  });

  it('offers nothing about sharing once the case is closed', async () => {
    const card = await sharingCard(undefined, [[{ kind: 'close', outcome: 'noFurtherAction' }]]);
    expect(sharingMenu(card)).toBeUndefined();
    const used = checkCard(card).verbs;
    for (const v of [verbs.sharingRemoveAccess, verbs.sharingAskOwner, verbs.sharingAccept])
      expect(used).not.toContain(v);
    expect(shownText(card).split('\n')).toContain('Files shared: 1');
  });

  it('has no sharing actions or file count on a case that is not about sharing', async () => {
    const store = new MemoryCaseStore();
    const cases = new CaseService({ store, pack: defaultPack, clock: steppingClock(), log: silentLogger });
    for (const source of ['staffReport', 'chatSignal'] as const) {
      const { state } = await cases.open(report({ source }), staff, `k-${source}`);
      const card = caseCard(state, await store.events(state.id), defaultPack);
      expect(sharingMenu(card)).toBeUndefined();
      expect(shownText(card)).not.toContain('Files shared');
      expect(checkCard(card).verbs).not.toContain(verbs.sharingAccept);
    }
  });
});

describe('the owner’s card', () => {
  it('asks the owner to remove it or say why it is needed, with a required, labelled reason', async () => {
    const { state } = await sharingCase(undefined, [[{ kind: 'askOwner' }]]);
    const card = ownerCard(state, defaultPack);
    expect(checkCard(card).verbs).toEqual([verbs.sharingOwnerRemoved, verbs.sharingOwnerNeeded]);
    for (const a of actionsOf(card).filter((x) => x['type'] === 'Action.Execute'))
      expect(a['data']).toEqual({ caseId: state.id });
    expect(titles(card)).toEqual(['I have removed it', 'It is needed', 'Send']);
    const reason = actionsOf(card)
      .flatMap((a) => (a['card'] as { body?: Node[] } | undefined)?.body ?? [])
      .find((b) => b['type'] === 'Input.Text');
    expect(reason).toMatchObject({ id: sharingInputs.reason, isRequired: true, maxLength: 500 });
    expect(String(reason?.['label'])).not.toBe('');
    const text = shownText(card);
    expect(text).toContain(`Safeguarding team asks you to check it (reference ${state.reference}).`);
    expect(text).toContain('An Anyone link (view): whoever has it can open the file.');
    expect(text).toContain('Learner 1 support plan.docx');
  });

  it('shows the problem only when there is one', async () => {
    const { state } = await sharingCase();
    const problem = 'Say why the sharing is needed, then send it.';
    expect(shownText(ownerCard(state, defaultPack))).not.toContain(problem);
    expect(shownText(ownerCard(state, defaultPack, problem)).split('\n')).toContain(problem);
  });

  it('shows Markdown in the case summary as text, never as a link', async () => {
    const { state } = await sharingCase([
      share(1, { itemName: '[Open me](https://evil.example/login) **urgent**.docx' }),
    ]);
    const card = ownerCard(state, defaultPack, '[problem](https://evil.example/p)');
    expect(shownLinks(card)).toEqual([]);
    const text = shownText(card);
    expect(text).toContain('[Open me](https[:]//evil.example/login) **urgent**.docx');
    expect(text).toContain('[problem](https[:]//evil.example/p)');
  });

  it('names the route of the case, or the safeguarding team when the pack has no such route', async () => {
    const { state } = await sharingCase();
    const renamed: PolicyPack = {
      ...defaultPack,
      routes: { ...defaultPack.routes, dsl: { ...defaultPack.routes['dsl']!, displayName: 'DSL *team*' } },
    };
    expect(shownText(ownerCard(state, renamed))).toContain('DSL *team* asks you to check it');
    const { dsl: _dsl, ...routes } = defaultPack.routes;
    expect(shownText(ownerCard(state, { ...defaultPack, routes }))).toContain(
      'The safeguarding team asks you to check it',
    );
  });
});
