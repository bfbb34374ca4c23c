import {
  contractTexts,
  contractVerdicts,
  describeTextClassifierContract,
} from '../../contract/text-classifier.contract';
import { MemoryTextClassifier } from '../../support/memory-text-classifier';

describeTextClassifierContract(
  'in-memory fake',
  () =>
    new MemoryTextClassifier({
      [contractTexts.threat]: contractVerdicts.threat,
      // Categories left out are rated 0, as the service rates every category asked about.
      [contractTexts.selfHarm]: [
        { category: 'selfHarm', severity: 6 },
        { category: 'violence', severity: 2 },
      ],
      [contractTexts.long]: contractVerdicts.long,
      [contractTexts.unavailable]: 'unavailable',
    }),
);
