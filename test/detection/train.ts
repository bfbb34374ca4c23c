/**
 * `npm run train:detection`: trains the statistical layer of detection (core/detection/learned-model.ts)
 * on the development half of the labelled evaluation set (`messages.jsonl` and `everyday.jsonl`,
 * never the held-out half, which measures it) and writes the weights to
 * `policies/library/model.json`, which the default pack includes. Deterministic: the same data give
 * the same file, which a unit test checks, so the shipped weights are always the ones this data
 * trains.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadPolicyFile } from '../../adapters/policy-files';
import { conceptIndex, featuresOf, trainModel, type ModelWeights } from '../../core/detection/learned-model';
import { analyse } from '../../core/detection/language';
import type { PolicyPack } from '../../core/policy/policy-pack';
import { groups, loadEvaluationSet } from './evaluation';

export const modelClasses = ['none', ...groups] as const;

/** Trains on the development half only. */
export function trainDetectionModel(pack: PolicyPack, set = loadEvaluationSet()): ModelWeights {
  const concepts = conceptIndex(pack.detection.terms);
  const examples = [
    ...set.messages.filter((m) => m.split === 'dev'),
    ...set.everyday.filter((m) => m.split === 'dev').map((m) => ({ ...m, label: 'none' as const })),
  ].map((m) => ({ features: [...featuresOf(analyse(m.text), concepts).keys()], label: m.label }));
  return trainModel(examples, modelClasses);
}

/**
 * The weights as the file the default pack includes: JSON (a YAML parse of it takes seconds), one
 * feature a line so that a retrain's diff can be read. Its use, threshold and labels are set in
 * uk-fe-default.yaml (detection.model).
 */
export function modelFile(model: ModelWeights): string {
  const features = Object.entries(model.weights).map(([f, w]) => `${JSON.stringify(f)}:${JSON.stringify(w)}`);
  return [
    '{"+detection":{"+model":{',
    `"classes":${JSON.stringify(model.classes)},`,
    `"bias":${JSON.stringify(model.bias)},`,
    '"weights":{',
    features.join(',\n'),
    '}}}}',
    '',
  ].join('\n');
}

export const modelPath = (root: string) => join(root, 'policies', 'library', 'model.json');

if (require.main === module) {
  const root = resolve(__dirname, '..', '..', '..');
  const model = trainDetectionModel(loadPolicyFile(join(root, 'policies', 'uk-fe-default.yaml')));
  writeFileSync(modelPath(root), modelFile(model));
  process.stdout.write(`${Object.keys(model.weights).length} features written to ${modelPath(root)}\n`);
}
