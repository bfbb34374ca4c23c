import { verifyAllAssessments } from '../../../core/assessments/assessment-audit';
import type { Actor } from '../../../core/assessments/assessment';
import { AssessmentService } from '../../../core/assessments/assessment-service';
import { silentLogger } from '../../../core/logger';
import { MemoryAssessmentStore } from '../../support/memory-assessment-store';
import { MemoryDraftStore } from '../../support/memory-draft-store';
import { defaultPack, staff, steppingClock } from '../../support/fixtures';

const approver: Actor = { id: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc', name: 'Avery Approver' };
const approverGroup = defaultPack.roles[defaultPack.assessment.approverRole]!.groupId;
const technology = defaultPack.assessment.questionnaires.find((q) => q.id === 'technology')!;

/** Card data for every section: text answers filled in, yes/no questions "no" unless given. */
function sectionData(sectionId: string, tool: string, yes: readonly string[]): Record<string, string> {
  const section = technology.sections.find((s) => s.id === sectionId)!;
  const data: Record<string, string> = {};
  for (const q of section.questions) {
    if (q.kind === 'url') continue;
    if (q.kind === 'yesNoUnsure') data[`q.${q.id}`] = yes.includes(q.id) ? 'yes' : 'no';
    else data[`q.${q.id}`] = q.id === 'tool' ? tool : `About ${q.id}`;
  }
  return data;
}

async function register() {
  const store = new MemoryAssessmentStore();
  const service = new AssessmentService({
    store,
    drafts: new MemoryDraftStore(),
    pack: defaultPack,
    directory: {
      isMember: (user, group) => Promise.resolve(user === approver.id && group === approverGroup),
    },
    clock: steppingClock(),
    log: silentLogger,
  });
  const assess = async (tool: string, yes: readonly string[] = []) => {
    await service.resume(staff, 'technology');
    for (const s of technology.sections)
      await service.step(staff, 'technology', s.id, 'next', sectionData(s.id, tool, yes));
    const sent = await service.submit(staff, 'technology');
    if (!('state' in sent)) throw new Error('fixture: the questionnaire was incomplete');
    return sent.state;
  };
  const padlet = await assess('Padlet', ['strangers']);
  const quizlet = await assess('Quizlet');
  await service.act(padlet.id, approver, {
    kind: 'decide',
    decision: 'approveWithConditions',
    conditions: 'Private walls only.',
    reviewDate: '2027-11-23',
  });
  return { store, padlet, quizlet };
}

describe('verifyAllAssessments', () => {
  it('passes an untouched register', async () => {
    const { store } = await register();
    expect(await verifyAllAssessments(store)).toEqual({
      assessmentsChecked: 2,
      eventsChecked: 3,
      findings: [],
    });
  });

  it('names the assessment and event whose content was edited', async () => {
    const { store, padlet } = await register();
    const decided = store.raw(padlet.id)?.events[1];
    if (decided?.type !== 'decided') throw new Error('fixture');
    decided.data.decision = 'approve';
    expect((await verifyAllAssessments(store)).findings).toEqual([
      {
        assessmentId: padlet.id,
        reference: padlet.reference,
        seq: 2,
        reason: expect.stringContaining('edited'),
      },
    ]);
  });

  it('names an assessment with an event missing from its chronology', async () => {
    const { store, padlet } = await register();
    const raw = store.raw(padlet.id);
    if (!raw) throw new Error('fixture');
    raw.events.splice(0, 1);
    expect((await verifyAllAssessments(store)).findings).toEqual([
      {
        assessmentId: padlet.id,
        reference: padlet.reference,
        seq: 1,
        reason: expect.stringContaining('missing'),
      },
    ]);
  });

  it('names an assessment whose head was edited to disagree with its chronology', async () => {
    const { store, quizlet } = await register();
    const raw = store.raw(quizlet.id);
    if (!raw) throw new Error('fixture');
    raw.head = { ...raw.head, risk: 'low', status: 'decided', decision: 'approve' };
    expect((await verifyAllAssessments(store)).findings).toEqual([
      {
        assessmentId: quizlet.id,
        reference: quizlet.reference,
        reason: expect.stringContaining('head does not match'),
      },
    ]);
  });
});
