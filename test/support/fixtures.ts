/** Shared test data: the shipped default pack, actors, and a valid report. */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadPolicyFile } from '../../adapters/policy-files';
import { storageClients, type StorageClients } from '../../adapters/storage-clients';
import type { Clock } from '../../core/clock';
import type { OpenCaseInput } from '../../core/cases/case-service';
import type { Actor } from '../../core/cases/case-events';
import { fail } from '../../core/errors';
import { quizSnapshot, type QuizRun } from '../../core/quizzes/quiz';

export const repoRoot = join(__dirname, '..', '..');
export const policyPath = (name: string) => join(repoRoot, 'policies', `${name}.yaml`);
export const defaultPack = loadPolicyFile(policyPath('uk-fe-default'));

export const staff: Actor = { id: '11111111-1111-4111-8111-111111111111', name: 'Sam Staff' };
export const dslA: Actor = { id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', name: 'Dana DSL' };
export const dslB: Actor = { id: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', name: 'Devi Deputy' };

export function report(overrides: Partial<OpenCaseInput> = {}): OpenCaseInput {
  return {
    source: 'staffReport',
    subjectType: 'learner',
    subjectName: 'Lee Learner',
    under18: 'yes',
    category: 'grooming',
    description: 'Learner showed me messages from an adult asking them to keep chats secret.',
    immediateRisk: false,
    ...overrides,
  };
}

/** A clock that moves one second per reading, so event times are distinct and predictable. */
export function steppingClock(start = '2026-11-23T09:00:00.000Z'): Clock {
  let t = Date.parse(start);
  return {
    now: () => {
      t += 1000;
      return new Date(t);
    },
  };
}

/** The default pack's induction quiz, pinned, and a class run of it (Tariq's class, Lee and Lola). */
export const inductionQuiz = quizSnapshot(
  defaultPack.quizzes.find((q) => q.id === 'induction') ?? fail('UNEXPECTED', 'no induction quiz'),
);
export function classRun(overrides: Partial<QuizRun> = {}): QuizRun {
  return {
    id: 'q0123456789abcdef',
    quizId: inductionQuiz.id,
    version: inductionQuiz.version,
    kind: 'class',
    classId: '19:class@thread.tacv2',
    startedBy: '55555555-5555-4555-8555-555555555555',
    tutorMris: [],
    startedAt: '2026-12-01T09:00:00.000Z',
    roster: [{ id: '66666666-6666-4666-8666-666666666661' }, { id: '66666666-6666-4666-8666-666666666662' }],
    ...overrides,
  };
}

export const fieldKey = () => randomBytes(32);

/** Connection string of the Azurite the integration global setup started. */
export function testStorage(): string {
  return (
    process.env['ESAFETY_TEST_STORAGE'] ??
    fail('CONFIG_INVALID', 'integration tests need the Azurite global setup')
  );
}

/** Storage clients on the Azurite the integration global setup started. */
export function testClients(): StorageClients {
  return storageClients({ kind: 'connectionString', connectionString: testStorage() });
}

/** A table prefix no other test uses, so tests never see each other's data. */
export function uniquePrefix(): string {
  return `t${randomBytes(6).toString('hex')}`;
}
