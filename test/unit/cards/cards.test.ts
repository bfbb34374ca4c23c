import type { AdaptiveCard } from '../../../cards/adaptive-card';
import { caseCard } from '../../../cards/case-card/case-card';
import { helpCard, messageCard, opsNoticeCard } from '../../../cards/message/message';
import { receiptCard } from '../../../cards/receipt/receipt';
import { reportFormCard } from '../../../cards/report-form/report-form';
import { allVerbs, verbs } from '../../../cards/verbs';
import { CaseService } from '../../../core/cases/case-service';
import type { CaseCommand } from '../../../core/cases/case-state';
import type { Signal } from '../../../core/intake/signal';
import { silentLogger } from '../../../core/logger';
import { parsePolicyFile } from '../../../adapters/policy-files';
import { checkCard } from '../../support/card-validator';
import { shownLinks, shownText } from '../../support/card-text';
import { defaultPack, dslA, policyPath, report, staff, steppingClock } from '../../support/fixtures';
import { MemoryCaseStore } from '../../support/memory-case-store';

/** A step: a DSL's command, or a monitoring signal joining the case. */
type Step = CaseCommand | { readonly signal: Signal };
const monitor = { id: 'system:chat-monitor', name: 'Teams chat monitoring' };

async function caseAfter(steps: Step[], overrides = {}) {
  const store = new MemoryCaseStore();
  const cases = new CaseService({ store, pack: defaultPack, clock: steppingClock(), log: silentLogger });
  let { state } = await cases.open(report(overrides), staff, `k${Math.random()}`);
  for (const step of steps) {
    if ('signal' in step) {
      const r = await cases.recordSignals({ caseId: state.id, signals: [step.signal], actor: monitor });
      if (r.status !== 'closed') state = r.state;
    } else state = (await cases.act(state.id, dslA, step)).state;
  }
  return { state, events: await store.events(state.id) };
}

async function everyCard(): Promise<[string, AdaptiveCard][]> {
  const open = await caseAfter([]);
  const worked = await caseAfter([
    { kind: 'claim' },
    { kind: 'addNote', note: 'Spoke to the learner.' },
    { kind: 'refer', agency: 'ceop', reference: 'C-1' },
    { kind: 'recordParentInformed', note: 'Called carer.' },
    { kind: 'setSubjectPart', subjectPart: 'acted' },
    { kind: 'recordSanction', sanction: 'refer-tutor' },
    { kind: 'setSeverity', severity: 'critical' },
  ]);
  const closed = await caseAfter([{ kind: 'claim' }, { kind: 'close', outcome: 'referredExternally' }]);
  const staffCase = await caseAfter([], {
    subjectType: 'staff',
    category: 'inappropriate-staff-contact',
    under18: 'no',
  });
  const chatSignal = await caseAfter(
    [
      {
        signal: {
          kind: 'externalContact',
          category: 'external-contact',
          severity: 'medium',
          key: 's2',
          summary:
            'External contact: a learner is in a conversation with a personal (consumer) Microsoft account.',
          link: 'https://teams.microsoft.com/l/message/19%3Aabc%40thread.v2/1700000000000',
        },
      },
    ],
    {
      source: 'chatSignal',
      category: 'grooming',
      link: 'https://teams.microsoft.com/l/message/19%3Aabc%40thread.v2/1700000000000',
      excerpt: 'what school do you go to?',
    },
  );
  const momentum = parsePolicyFile(policyPath('momentum'));
  if (!momentum.ok) throw new Error('momentum pack');
  return [
    ['report form', reportFormCard(defaultPack)],
    [
      'report form in a dialog, pre-filled',
      reportFormCard(defaultPack, {
        mode: 'submit',
        source: 'From a message by Alex',
        values: { description: 'hello', platform: 'Microsoft Teams' },
      }),
    ],
    [
      'report form with errors',
      reportFormCard(defaultPack, {
        values: { subjectType: 'learner' },
        errors: { description: 'Describe what happened.', subcategory: 'Choose one.' },
      }),
    ],
    ['report form, Momentum pack', reportFormCard(momentum.pack)],
    ['receipt', receiptCard(open.state, defaultPack)],
    [
      'receipt, sexual imagery and immediate risk',
      receiptCard(
        (await caseAfter([], { category: 'youth-produced-sexual-imagery', immediateRisk: true })).state,
        defaultPack,
      ),
    ],
    ['case card, open', caseCard(open.state, open.events, defaultPack)],
    [
      'operator notice, waiting',
      opsNoticeCard({ notice: 'signalPoisoned', count: 3, at: '2026-12-03T09:00:00.000Z' }),
    ],
    [
      'operator notice, needs IT',
      opsNoticeCard({ notice: 'signalsStuck', count: 2, at: '2026-12-03T09:00:00.000Z' }),
    ],
    [
      'operator notice, cleared',
      opsNoticeCard({ notice: 'signalsReplayed', count: 3, at: '2026-12-03T09:15:00.000Z' }),
    ],
    [
      'case card, chat signal with a further signal',
      caseCard(chatSignal.state, chatSignal.events, defaultPack),
    ],
    [
      'case card, worked',
      caseCard(worked.state, worked.events, defaultPack, {
        notice: { text: 'Already claimed by Dana DSL', tone: 'warning' },
      }),
    ],
    ['case card, closed', caseCard(closed.state, closed.events, defaultPack)],
    ['case card, staff subject', caseCard(staffCase.state, staffCase.events, defaultPack)],
    [
      'message',
      messageCard('Not allowed', ['You are not in the safeguarding team.'], {
        tone: 'attention',
        ref: 'abc',
      }),
    ],
    ['help', helpCard(defaultPack)],
  ];
}

describe('cards', () => {
  it('every card parses in the adaptivecards library at 1.5 without validation events, and every input has a label', async () => {
    for (const [name, card] of await everyCard()) {
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

  it('the validator notices a broken card', () => {
    const problems = checkCard({
      type: 'AdaptiveCard',
      version: '1.5',
      body: [
        { type: 'Input.Text', id: 'x' },
        { type: 'Input.Text', id: 'x', label: 'X' },
        { type: 'TextBlock', text: '${oops}' },
      ],
      actions: [{ type: 'Action.Execute', verb: 'nope' }],
    });
    expect(problems.unlabelledInputs).toEqual(['x']);
    expect(problems.duplicateIds).toEqual(['x']);
    expect(problems.unexpanded).toHaveLength(1);
    expect(problems.events.length).toBeGreaterThan(0);
  });

  it('offers claim only on an unclaimed case, and reopen only on a closed one', async () => {
    const verbsOf = (card: AdaptiveCard) => checkCard(card).verbs;
    const open = await caseAfter([]);
    const claimed = await caseAfter([{ kind: 'claim' }]);
    const closed = await caseAfter([{ kind: 'close', outcome: 'noFurtherAction' }]);
    expect(verbsOf(caseCard(open.state, open.events, defaultPack))).toContain(verbs.caseClaim);
    expect(verbsOf(caseCard(claimed.state, claimed.events, defaultPack))).not.toContain(verbs.caseClaim);
    expect(verbsOf(caseCard(closed.state, closed.events, defaultPack))).toEqual(
      expect.arrayContaining([verbs.caseReopen, verbs.caseRefresh]),
    );
    expect(verbsOf(caseCard(closed.state, closed.events, defaultPack))).not.toContain(verbs.caseNote);
  });

  it('does not offer parent/carer contact for an adult subject', async () => {
    const adult = await caseAfter([], { under18: 'no' });
    expect(checkCard(caseCard(adult.state, adult.events, defaultPack)).verbs).not.toContain(
      verbs.caseParentInformed,
    );
  });

  it('keeps what the reporter typed and shows each problem on its field', () => {
    const card = JSON.stringify(
      reportFormCard(defaultPack, {
        values: { description: 'typed text', subjectType: 'staff' },
        errors: { subcategory: 'Choose what the concern is about.' },
      }),
    );
    expect(card).toContain('"value":"typed text"');
    expect(card).toContain('Choose what the concern is about.');
    expect(card).toContain('Please correct the fields marked below.');
  });

  it('warns reporters about images, confidentiality and immediate danger', () => {
    const card = JSON.stringify(reportFormCard(defaultPack));
    expect(card).toContain('call 999');
    expect(card).toContain('Never promise to keep what you were told secret');
    expect(card).toMatch(/do not view, copy, screenshot, save or forward/);
  });

  it('shows the last three chronology entries on the case card', async () => {
    const c = await caseAfter([
      { kind: 'claim' },
      ...['one', 'two', 'three', 'four'].map((note): CaseCommand => ({ kind: 'addNote', note })),
    ]);
    const text = JSON.stringify(caseCard(c.state, c.events, defaultPack));
    expect(text).toContain('Dana DSL: four');
    expect(text).toContain('Dana DSL: two');
    expect(text).not.toContain('Dana DSL: one');
  });
});

describe('chat-signal case cards', () => {
  const link = 'https://teams.microsoft.com/l/message/19%3Aabc%40thread.v2/1700000000000';

  it('link to the Teams message and list a further signal in the chronology', async () => {
    const { state, events } = await caseAfter(
      [
        {
          signal: {
            kind: 'phrase',
            category: 'grooming',
            severity: 'high',
            key: 's2',
            summary: 'Safeguarding phrase (Grooming, high) in a message from Alex.',
          },
        },
      ],
      { source: 'chatSignal', link },
    );
    const card = caseCard(state, events, defaultPack);
    expect(shownLinks(card)).toEqual([link]);
    expect(shownText(card)).toContain('Safeguarding phrase (Grooming, high) in a message from Alex.');
  });

  it('never renders a link that is not a Teams message link', async () => {
    const { state, events } = await caseAfter([], { source: 'chatSignal', link: 'https://evil.example/x' });
    expect(JSON.stringify(caseCard(state, events, defaultPack))).not.toContain('Open the message in Teams');
    const report = await caseAfter([]);
    expect(JSON.stringify(caseCard(report.state, report.events, defaultPack))).not.toContain(
      'Open the message',
    );
  });
});

describe('sanction suggestions', () => {
  const imagery = { category: 'youth-produced-sexual-imagery' };

  it('are never shown against a learner who was sent an image (harmed), nor offered as a sanction to record', async () => {
    const { state, events } = await caseAfter([], { ...imagery, subjectPart: 'harmed' });
    const text = JSON.stringify(caseCard(state, events, defaultPack));
    expect(text).not.toContain('Suggested under the policy');
    expect(text).not.toContain('Record sanction');
    expect(text).toContain('was harmed or put at risk');
  });

  it('are not shown while the subject’s part is not known', async () => {
    const { state, events } = await caseAfter([], imagery);
    expect(JSON.stringify(caseCard(state, events, defaultPack))).not.toContain('Suggested under the policy');
  });

  it('are shown for a learner who shared the image (acted)', async () => {
    const { state, events } = await caseAfter([], { ...imagery, subjectPart: 'acted' });
    const text = JSON.stringify(caseCard(state, events, defaultPack));
    expect(text).toContain('Suggested under the policy');
    expect(text).toContain('Record sanction');
  });
});

describe('text from people on case cards', () => {
  it('shows a reported message’s link syntax as text, never as a link', async () => {
    const { state, events } = await caseAfter(
      [{ kind: 'addNote', note: 'see [the photos](https://evil.example/x)' }],
      {
        description: 'He sent [click here](https://evil.example/login) to Lee',
        subjectName: '[Lee](https://evil.example)',
      },
    );
    const card = caseCard(state, events, defaultPack);
    expect(shownLinks(card)).toEqual([]);
    expect(shownText(card)).toContain('He sent [click here](https[:]//evil.example/login) to Lee');
    expect(shownText(card)).toContain('Learner: [Lee](https[:]//evil.example)');
    expect(shownText(card)).toContain('see [the photos](https[:]//evil.example/x)');
  });
});
