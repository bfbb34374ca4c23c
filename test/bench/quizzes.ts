/**
 * A class of 30 taking the induction quiz at once, over HTTP on the running stack (the dev host's
 * /api/messages, Azurite in its own process, the tenant simulator for the class list): a tutor
 * starts the quiz, then 30 learners each press *Take the quiz* and answer all 17 questions one
 * after another, all 30 at the same time. Figures: answers per second, and the latency of one
 * answer (invoke sent → card back) at p50/p99; notes say whether every attempt and score landed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { fail } from '../../core/errors';
import { silentLogger } from '../../core/logger';
import { startLocalSystem } from '../../local/local-system';
import { percentile } from './percentile';

export interface QuizBenchRow {
  readonly name: string;
  readonly perSecond: string;
  readonly p50: string;
  readonly p99: string;
  readonly notes: string;
}

const tenantId = '5a1e0000-0000-4000-8000-00000000c011';
const tariq = { aadObjectId: '55555555-5555-4555-8555-555555555555', name: 'Tariq Tutor' };
const classId = '19:class-team@thread.tacv2';
const conversation = { id: `${classId};messageid=1`, conversationType: 'channel', isGroup: true, tenantId };
const channelData = {
  team: { id: classId, name: 'Level 3 IT' },
  channel: { id: classId },
  tenant: { id: tenantId },
};

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- Bot Framework JSON

export async function quizBench(root: string, learners = 30): Promise<QuizBenchRow[]> {
  const system = await startLocalSystem({
    root,
    env: { ESAFETY_LOG_LEVEL: 'silent', ESAFETY_TABLE_PREFIX: `benchq${randomBytes(3).toString('hex')}` },
    log: silentLogger,
  });
  try {
    const { app, host } = system;
    const post = async (activity: Json): Promise<Json> => {
      const res = await fetch(`${host.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity),
      });
      const text = await res.text();
      return text ? (JSON.parse(text) as Json) : {};
    };
    const base = (user: { aadObjectId: string; name: string }) => ({
      id: `f:${randomUUID()}`,
      channelId: 'msteams',
      serviceUrl: 'http://127.0.0.1:9/',
      from: { id: `29:${user.aadObjectId}`, name: user.name, aadObjectId: user.aadObjectId },
      recipient: { id: '28:esafety-bot', name: 'E-Safety' },
      conversation,
      channelData,
    });
    const invoke = (user: { aadObjectId: string; name: string }, verb: string, data: Json) =>
      post({
        ...base(user),
        type: 'invoke',
        name: 'adaptiveCard/action',
        value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
      });

    await post({ ...base(tariq), type: 'message', text: 'quiz start induction' });
    const run = (await app.quizzes.latestIn(classId)) ?? fail('UNEXPECTED', 'quiz bench: no run started');
    const quiz =
      app.pack.quizzes.find((q) => q.id === 'induction') ??
      fail('UNEXPECTED', 'quiz bench: no induction quiz');
    const right = new Map(quiz.questions.map((q) => [q.id, q.answer]));
    const wrong = new Map(quiz.questions.map((q) => [q.id, q.options.find((o) => o.id !== q.answer)?.id]));
    const people = Array.from({ length: learners }, (_, i) => ({
      aadObjectId: `8${String(i).padStart(7, '0')}-0000-4000-8000-${randomBytes(6).toString('hex')}`,
      name: `Learner ${i + 1}`,
    }));
    const latencies: number[] = [];
    const started = performance.now();
    const finals = await Promise.all(
      people.map(async (person, i) => {
        let card = (await invoke(person, 'quiz.start', { runId: run.id }))['value'] as Json;
        for (let n = 0; n < quiz.questions.length; n++) {
          const data = (card['actions'] as Json[])[0]?.['data'] as Json;
          const questionId = String(data['questionId']);
          const answer = n < i % 4 ? wrong.get(questionId) : right.get(questionId);
          const t = performance.now();
          card = (await invoke(person, 'quiz.answer', { ...data, answer }))['value'] as Json;
          latencies.push(performance.now() - t);
        }
        return JSON.stringify(card);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const rows = await app.quizzes.report({ classId });
    const scoresRight = people.filter((p, i) => {
      const row = rows.find((r) => r.personId === p.aadObjectId);
      return row?.best === quiz.questions.length - (i % 4) && finals[i]?.includes(`${row.best} out of`);
    }).length;
    const tally = await app.quizzes.tally(run.id); // before the solo learner below
    // For comparison: one learner answering with nobody else on the system.
    const alone: number[] = [];
    const solo = {
      aadObjectId: `9${'0'.repeat(7)}-0000-4000-8000-${randomBytes(6).toString('hex')}`,
      name: 'Solo',
    };
    let card = (await invoke(solo, 'quiz.start', { runId: run.id }))['value'] as Json;
    for (let n = 0; n < quiz.questions.length; n++) {
      const data = (card['actions'] as Json[])[0]?.['data'] as Json;
      const t = performance.now();
      card = (await invoke(solo, 'quiz.answer', { ...data, answer: right.get(String(data['questionId'])) }))[
        'value'
      ] as Json;
      alone.push(performance.now() - t);
    }
    alone.sort((a, b) => a - b);
    return [
      {
        name: `${learners} learners answering at once (${quiz.questions.length} each)`,
        perSecond: (latencies.length / seconds).toFixed(0),
        p50: percentile(latencies, 50).toFixed(1),
        p99: percentile(latencies, 99).toFixed(1),
        notes: `${latencies.length} answers in ${seconds.toFixed(1)} s; ${scoresRight}/${learners} scores right; tally ${tally.finished} finished`,
      },
      {
        name: 'one learner alone (17 answers)',
        perSecond: (1000 / (alone.reduce((a, b) => a + b, 0) / alone.length)).toFixed(0),
        p50: percentile(alone, 50).toFixed(1),
        p99: percentile(alone, 99).toFixed(1),
        notes: 'answer → feedback card, end to end over HTTP',
      },
    ];
  } finally {
    await system.stop();
  }
}
