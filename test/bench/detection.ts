/**
 * The cost of detection: the default pack's whole safeguarding library run on ordinary chat
 * messages (the labelled evaluation set's) and on long ones (about 4,000 characters), per message,
 * on one core. Compared with the RSA-2048 decrypt every notification needs anyway.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SafeguardingLibrary } from '../../core/detection/safeguarding-library';
import type { PolicyPack } from '../../core/policy/policy-pack';
import { percentile } from './percentile';

export interface DetectionBenchRow {
  readonly name: string;
  readonly perSecond: string;
  readonly p50: string;
  readonly p99: string;
  readonly notes: string;
}

export function detectionBench(root: string, pack: PolicyPack): DetectionBenchRow[] {
  const texts = readFileSync(join(root, 'test', 'detection', 'messages.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { text: string }).text);
  const t0 = performance.now();
  const library = new SafeguardingLibrary(pack);
  const compileMs = performance.now() - t0;
  const long: string[] = [];
  for (let i = 0; i < 100; i++) {
    let text = '';
    for (let j = i; text.length < 4000; j += 7) text += `${texts[j % texts.length] ?? ''} `;
    long.push(text);
  }
  const run = (name: string, sample: readonly string[], rounds: number): DetectionBenchRow => {
    for (const t of sample.slice(0, 50)) library.findings(t); // warm up
    const times: number[] = [];
    let flagged = 0;
    const start = performance.now();
    for (let r = 0; r < rounds; r++)
      for (const text of sample) {
        const t = performance.now();
        if (library.findings(text).some((f) => f.signal)) flagged++;
        times.push(performance.now() - t);
      }
    const seconds = (performance.now() - start) / 1000;
    times.sort((a, b) => a - b);
    return {
      name,
      perSecond: (times.length / seconds).toFixed(0),
      p50: percentile(times, 50).toFixed(2),
      p99: percentile(times, 99).toFixed(2),
      notes: `${times.length} runs, ${((flagged / times.length) * 100).toFixed(0)}% flagged`,
    };
  };
  return [
    run(`ordinary messages (${texts.length} chat lines)`, texts, 3),
    run('long messages (about 4,000 characters)', long, 2),
    {
      name: 'compile the library',
      perSecond: '',
      p50: compileMs.toFixed(0),
      p99: '',
      notes: `${library.size} entries, once at start-up`,
    },
  ];
}
