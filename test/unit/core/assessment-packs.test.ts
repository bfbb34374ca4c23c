/**
 * Every shipped pack's risk-assessment questionnaires, run as a requester would run them: each part
 * renders as a valid card inside Teams' size limit, a complete set of answers goes to the pack's
 * approver on the pack's route, and the pack's own rules set the level (Momentum's off-site
 * learning too). And `policy validate` names a rule or role that does not exist.
 */
import { dirname } from 'node:path';
import { filesIn, parsePolicyFile } from '../../../adapters/policy-files';
import { parsePolicyPack } from '../../../core/policy/parse-policy';
import { approverCard, draftCard, requesterCard } from '../../../cards/assessment/assessment-cards';
import { AssessmentService } from '../../../core/assessments/assessment-service';
import type { Actor } from '../../../core/assessments/assessment';
import { silentLogger } from '../../../core/logger';
import type { PolicyPack } from '../../../core/policy/policy-pack';
import { answerInput, commentInput, limits, type Question } from '../../../core/questionnaire/questionnaire';
import { checkCard } from '../../support/card-validator';
import { policyPath, steppingClock } from '../../support/fixtures';
import { MemoryAssessmentStore } from '../../support/memory-assessment-store';
import { MemoryDraftStore } from '../../support/memory-draft-store';
import { readFileSync } from 'node:fs';

const names = ['uk-fe-default', 'momentum', 'waes', 'skills4stem', 'babington', 'ucen-manchester'] as const;
const packs = Object.fromEntries(
  names.map((name) => {
    const result = parsePolicyFile(policyPath(name));
    if (!result.ok) throw new Error(`${name}: ${JSON.stringify(result.issues)}`);
    return [name, result.pack];
  }),
) as Record<(typeof names)[number], PolicyPack>;

const requester: Actor = { id: '11111111-1111-4111-8111-111111111111', name: 'Sam Staff' };

/** A harmless answer to every question: "no" (or the first choice), text, a date, a link. */
function calmAnswer(q: Question): string {
  switch (q.kind) {
    case 'yesNoUnsure':
      return q.risk?.answer === 'no' ? 'yes' : 'no';
    case 'choice':
      return q.options?.find((o) => o.id !== q.risk?.answer)?.id ?? '';
    case 'date':
      return '2027-01-15';
    case 'url':
      return 'https://example.org/tool';
    case 'text':
      return `Answer to ${q.id} `.padEnd(limits.text, 'x');
  }
}

function service(pack: PolicyPack) {
  return new AssessmentService({
    store: new MemoryAssessmentStore(),
    drafts: new MemoryDraftStore(),
    pack,
    directory: { isMember: () => Promise.resolve(false) },
    clock: steppingClock(),
    log: silentLogger,
  });
}

const cases = names.flatMap((name) =>
  packs[name].assessment.questionnaires.map((q) => [name, q.id] as const),
);

describe.each(cases)('%s: the %s questionnaire', (name, questionnaireId) => {
  const pack = packs[name];
  const questionnaire = pack.assessment.questionnaires.find((q) => q.id === questionnaireId)!;

  it('renders every part as a valid card under 28 KB with every answer at its limit, and sends to the pack’s approver', async () => {
    const assessments = service(pack);
    let view = await assessments.resume(requester, questionnaireId);
    for (const section of questionnaire.sections) {
      expect(view.draft.at).toBe(section.id);
      const card = draftCard(view, pack);
      expect(checkCard(card)).toMatchObject({
        events: [],
        unlabelledInputs: [],
        unexpanded: [],
        duplicateIds: [],
      });
      const data = Object.fromEntries(
        section.questions.flatMap((q) => [
          [answerInput(q.id), calmAnswer(q)],
          ...(q.kind === 'yesNoUnsure' ? [[commentInput(q.id), 'x'.repeat(limits.comment)]] : []),
        ]),
      );
      view = await assessments.step(requester, view.draft.key, section.id, 'next', data);
      expect(view.errors).toEqual({});
      expect(JSON.stringify(draftCard(view, pack)).length).toBeLessThan(28 * 1024);
    }
    expect(view.draft.at).toBe('summary');
    const sent = await assessments.submit(requester, view.draft.key);
    if (!('state' in sent)) throw new Error(`incomplete: ${JSON.stringify(sent.incomplete.errors)}`);
    expect(sent.state).toMatchObject({
      questionnaireId,
      approverRole: questionnaire.approverRole ?? pack.assessment.approverRole,
      route: questionnaire.route ?? pack.assessment.route,
      status: 'submitted',
    });
    expect(pack.routes[sent.state.route]?.roles).toContain(sent.state.approverRole);
    const approver = approverCard(sent.state, await assessments.history(sent.state.id), pack, {
      defaultReviewDate: '2027-12-02',
    });
    expect(checkCard(approver).events).toEqual([]);
    expect(JSON.stringify(approver).length).toBeLessThan(28 * 1024);
    expect(JSON.stringify(requesterCard(sent.state, pack, 'submitted')).length).toBeLessThan(28 * 1024);
  });

  it('is high risk when the pack’s rules say so, and every high rule can be reached', async () => {
    for (const rule of questionnaire.risk.rules.filter((r) => r.level === 'high' && r.when)) {
      const assessments = service(pack);
      let view = await assessments.resume(requester, questionnaireId);
      for (const section of questionnaire.sections) {
        const data = Object.fromEntries(
          section.questions.map((q) => [answerInput(q.id), rule.when?.[q.id]?.[0] ?? calmAnswer(q)]),
        );
        // A rule that also needs a risk answer in a section gets one there.
        if (rule.anyRiskIn?.includes(section.id)) {
          const risky = section.questions.find((q) => q.risk && !rule.when?.[q.id]);
          if (risky?.risk) data[answerInput(risky.id)] = risky.risk.answer;
        }
        view = await assessments.step(requester, view.draft.key, section.id, 'next', data);
      }
      const sent = await assessments.submit(requester, view.draft.key);
      if (!('state' in sent)) throw new Error('incomplete');
      expect({ rule: rule.id, risk: sent.state.risk }).toEqual({ rule: rule.id, risk: 'high' });
      expect(sent.state.reasons).toContainEqual({ kind: 'rule', ruleId: rule.id, level: 'high' });
    }
  });
});

describe('Momentum: off-site learning', () => {
  it('has its own placement questionnaire, started with `assess placement`', () => {
    const placement = packs.momentum.assessment.questionnaires.find((q) => q.id === 'placement');
    expect(placement?.sections.map((s) => s.id)).toContain('supervision');
    expect(packs['uk-fe-default'].assessment.questionnaires.map((q) => q.id)).toEqual(['technology']);
  });
});

describe('policy validate', () => {
  const text = readFileSync(policyPath('uk-fe-default'), 'utf8');
  const problems = (edited: string) => {
    const result = parsePolicyPack(
      { name: 'edited.yaml', text: edited },
      filesIn(dirname(policyPath('uk-fe-default'))),
    );
    return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
  };

  it('names a risk rule that cites a question the questionnaire does not ask', () => {
    const edited = text.replace(
      'when: { under18: [yes, unsure], signUp: [yes, unsure] }',
      'when: { under-18s: [yes] }',
    );
    expect(problems(edited)).toContainEqual(
      expect.stringMatching(/risk\.rules\[0\]\.when.*unknown question "under-18s"/),
    );
  });

  it('names an answer a question cannot have', () => {
    const edited = text.replace(
      'when: { under18: [yes, unsure], signUp: [yes, unsure] }',
      'when: { under18: [maybe] }',
    );
    expect(problems(edited)).toContainEqual(
      expect.stringMatching(/"maybe" is not an answer question "under18" can have/),
    );
  });

  it('names an approver role that does not exist', () => {
    const edited = text.replace('  approverRole: approver\n', '  approverRole: headOfIt\n');
    expect(problems(edited)).toContainEqual(
      'assessment.approverRole: approver role "headOfIt" is not defined under roles',
    );
  });
});
