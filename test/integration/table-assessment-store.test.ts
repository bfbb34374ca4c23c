import { FieldCipher } from '../../adapters/field-cipher';
import { TableAssessmentStore } from '../../adapters/table-assessment-store';
import { TableDraftStore } from '../../adapters/table-draft-store';
import {
  assessmentIdFor,
  assessmentReference,
  evolveAssessment,
  sealAssessmentEvent,
  verifyAssessmentChain,
} from '../../core/assessments/assessment';
import { silentLogger } from '../../core/logger';
import type { Answers } from '../../core/questionnaire/questionnaire';
import { describeAssessmentStoreContract } from '../contract/assessment-store.contract';
import { contractDraft, describeDraftStoreContract } from '../contract/draft-store.contract';
import { fieldKey, staff, testClients, uniquePrefix } from '../support/fixtures';

function stores(prefix = uniquePrefix(), key = fieldKey()) {
  const options = { clients: testClients(), tablePrefix: prefix, cipher: new FieldCipher(key) };
  return {
    assessments: new TableAssessmentStore({ ...options, log: silentLogger }),
    drafts: new TableDraftStore(options),
    raw: (table: string) => testClients().table(`${prefix}${table}`),
  };
}

describeAssessmentStoreContract('Azure Table Storage (Azurite)', () => stores().assessments);
describeDraftStoreContract('Azure Table Storage (Azurite)', () => stores().drafts);

const secrets = ['Zebedee', 'XYZZY', 'PLUGH', 'Quartermain', 'FROTZ'];

const commentedAnswers: Answers = {
  tool: { value: 'Zebedee Chat' },
  strangers: { value: 'yes', comment: 'Comment-XYZZY: strangers can message learners' },
};

function submitted(draftId: string, answers: Answers = commentedAnswers) {
  const id = assessmentIdFor(draftId);
  const at = '2026-11-23T09:00:00.000Z';
  const event = sealAssessmentEvent(
    undefined,
    id,
    {
      type: 'submitted',
      data: {
        reference: assessmentReference(id, at),
        questionnaireId: 'technology',
        questionnaireVersion: 'v1',
        approverRole: 'dsl',
        route: 'dsl',
        risk: 'medium',
        score: 3,
        reasons: [{ kind: 'answer', questionId: 'strangers', answer: 'yes', weight: 3 }],
      },
      narrative: { tool: answers['tool']?.value ?? 'A tool', answers },
    },
    { id: staff.id, name: 'Reporter Quartermain' },
    at,
  );
  return { state: evolveAssessment(undefined, event), event };
}

async function rows(table: ReturnType<ReturnType<typeof stores>['raw']>) {
  const out: Record<string, unknown>[] = [];
  for await (const e of table.listEntities<Record<string, unknown>>()) out.push(e);
  return out;
}

describe('TableAssessmentStore on Azurite', () => {
  it('stores no narrative in clear: answers, comments, names and questions are ciphertext', async () => {
    const { assessments, raw } = stores();
    const { state, event } = submitted('raw-read');
    const { snapshot } = await assessments.create(state, [event]);
    const asked = sealAssessmentEvent(
      state,
      state.id,
      { type: 'infoRequested', data: {}, narrative: { question: 'Question-PLUGH: who moderates?' } },
      { id: 'approver', name: 'Approver FROTZ' },
      '2026-11-23T10:00:00.000Z',
    );
    await assessments.commit(state.id, snapshot.token, evolveAssessment(state, asked), [asked]);
    const stored = await rows(raw('assessments'));
    expect(stored).toHaveLength(3); // head + 2 events
    const dump = JSON.stringify(stored);
    for (const secret of secrets) expect(dump).not.toContain(secret);
    // The register's facts stay plain and queryable.
    expect(dump).toContain(state.reference);
    expect(dump).toContain('"risk":"medium"');
    expect(dump).toContain('"status":"moreInfo"');
    expect(verifyAssessmentChain(state.id, await assessments.events(state.id))).toBeUndefined();
  });

  it('stores no draft answers in clear', async () => {
    const { drafts, raw } = stores();
    await drafts.put(staff.id, contractDraft({ key: 'answer:a1/b#c?' }));
    const stored = await rows(raw('drafts'));
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain('XYZZY');
    expect(stored[0]).toMatchObject({ partitionKey: staff.id, questionnaireId: 'technology' });
  });

  it.each([
    ['a missing column', { status: null }],
    ['an unknown status', { status: 'lost' }],
    ['risk reasons that are not JSON', { reasons: '[{"kind":' }],
    ['risk reasons of the wrong shape', { reasons: '[{"kind":"answer"}]' }],
  ])('reports STORAGE_FAILED naming only the id for a head with %s', async (_what, edit) => {
    const { assessments, raw } = stores();
    const { state, event } = submitted('malformed');
    await assessments.create(state, [event]);
    const table = raw('assessments');
    const head = await table.getEntity<Record<string, unknown>>(state.id, 'head');
    const { etag: _etag, timestamp: _timestamp, ...plain } = head;
    const edited = Object.fromEntries(Object.entries({ ...plain, ...edit }).filter(([, v]) => v !== null));
    await table.updateEntity({ ...edited, partitionKey: state.id, rowKey: 'head' }, 'Replace');
    for (const read of [() => assessments.load(state.id), () => assessments.list()]) {
      const err = await read().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'STORAGE_FAILED', details: { assessmentId: state.id } });
      expect(JSON.stringify(err)).not.toMatch(/Zebedee|XYZZY/);
    }
  });

  it('reports STORAGE_FAILED for an event whose facts are not JSON', async () => {
    const { assessments, raw } = stores();
    const { state, event } = submitted('malformed-event');
    await assessments.create(state, [event]);
    await raw('assessments').updateEntity(
      { partitionKey: state.id, rowKey: 'e0000000001', data: 'not json' },
      'Merge',
    );
    await expect(assessments.events(state.id)).rejects.toMatchObject({
      code: 'STORAGE_FAILED',
      details: { assessmentId: state.id, seq: 1 },
    });
  });

  it('refuses a narrative moved from another assessment', async () => {
    const { assessments, raw } = stores();
    const a = submitted('moved-a');
    const b = submitted('moved-b');
    await assessments.create(a.state, [a.event]);
    await assessments.create(b.state, [b.event]);
    const table = raw('assessments');
    const other = await table.getEntity<{ narrative: string }>(b.state.id, 'head');
    await table.updateEntity(
      { partitionKey: a.state.id, rowKey: 'head', narrative: other.narrative },
      'Merge',
    );
    await expect(assessments.load(a.state.id)).rejects.toMatchObject({ code: 'FIELD_DECRYPT_FAILED' });
  });

  it('splits a long narrative over several stored values and reads it back whole', async () => {
    const { assessments, raw } = stores();
    const answers: Answers = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`q${i}`, { value: 'v'.repeat(1000), comment: 'c'.repeat(1000) }]),
    );
    const { state, event } = submitted('long', { tool: { value: 'Big' }, ...answers });
    await assessments.create(state, [event]);
    const head = await raw('assessments').getEntity<Record<string, unknown>>(state.id, 'head');
    expect(Object.keys(head).filter((k) => k.startsWith('narrative')).length).toBeGreaterThan(1);
    expect((await assessments.load(state.id))?.state).toEqual(state);
    expect(await assessments.events(state.id)).toEqual([event]);
  });

  it('cannot read an assessment or a draft written under another field key', async () => {
    const prefix = uniquePrefix();
    const { assessments, drafts } = stores(prefix);
    const { state, event } = submitted('key');
    await assessments.create(state, [event]);
    await drafts.put(staff.id, contractDraft());
    const other = stores(prefix);
    await expect(other.assessments.load(state.id)).rejects.toMatchObject({ code: 'FIELD_DECRYPT_FAILED' });
    await expect(other.drafts.get(staff.id, 'technology')).rejects.toMatchObject({
      code: 'FIELD_DECRYPT_FAILED',
    });
  });
});
