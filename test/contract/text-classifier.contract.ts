/**
 * The TextClassifier contract: the Azure AI Content Safety adapter (against recorded answers, in
 * test/integration/content-safety.test.ts) and the in-memory fake both run it. Each implementation
 * is set up to rate `contractTexts` as `contractVerdicts` says: the fake from a table, the adapter
 * by a replay server that answers each text with its recording.
 */
import type { ClassifierVerdict, TextClassifier } from '../../core/detection/text-classifier';
import type { EsafetyError } from '../../core/errors';

const filler = 'The revision timetable for next week is on the shared drive, with room changes marked. ';

/** Lines of the long text, so a replay server can tell its parts apart. */
export const longTextLines = {
  early: "People like you don't belong at this college, go back to where you came from.",
  late: 'If you tell anyone about this I will come round and smash your face in.',
};

/** A text of about 25,000 characters: a hateful line near its start, a violent one near its end. */
function longText(): string {
  const block = filler.repeat(140); // ~12,500 characters
  return `${filler}${longTextLines.early} ${block}${block}${longTextLines.late} ${filler}`;
}

export const contractTexts = {
  harmless: 'See you in the library at two for the revision session.',
  threat: 'I know where you live and I will hurt you after college.',
  selfHarm: "I don't want to be here any more. I've started cutting again.",
  long: longText(),
  unavailable: 'Is anyone around to help with the group project this evening?',
} as const;

const rated = (hate: number, sexual: number, violence: number, selfHarm: number): ClassifierVerdict[] => [
  { category: 'hate', severity: hate },
  { category: 'sexual', severity: sexual },
  { category: 'violence', severity: violence },
  { category: 'selfHarm', severity: selfHarm },
];

/** How each contract text is rated (the recordings the adapter is answered with say the same). */
export const contractVerdicts = {
  harmless: rated(0, 0, 0, 0),
  threat: rated(0, 0, 4, 0),
  selfHarm: rated(0, 0, 2, 6),
  // The early part rates hate 3 (and violence 1), the late part violence 5: the worst of each.
  long: rated(3, 0, 5, 0),
} as const;

const sorted = (verdicts: readonly ClassifierVerdict[]) =>
  [...verdicts].sort((a, b) => a.category.localeCompare(b.category));

export function describeTextClassifierContract(name: string, make: () => TextClassifier): void {
  describe(`TextClassifier contract: ${name}`, () => {
    it('rates a harmless text 0 in every category', async () => {
      expect(sorted(await make().classify(contractTexts.harmless))).toEqual(
        sorted(contractVerdicts.harmless),
      );
    });

    it.each([['threat' as const], ['selfHarm' as const]])(
      'rates the %s text in every category, each once, at the severity found',
      async (which) => {
        const verdicts = await make().classify(contractTexts[which]);
        expect(sorted(verdicts)).toEqual(sorted(contractVerdicts[which]));
        for (const v of verdicts) {
          expect(Number.isInteger(v.severity)).toBe(true);
          expect(v.severity).toBeGreaterThanOrEqual(0);
          expect(v.severity).toBeLessThanOrEqual(7);
        }
      },
    );

    it('rates a text longer than one request allows by its worst part in each category', async () => {
      expect(Array.from(contractTexts.long).length).toBeGreaterThan(20_000);
      expect(sorted(await make().classify(contractTexts.long))).toEqual(sorted(contractVerdicts.long));
    });

    it('gives a blank text no verdicts', async () => {
      const classifier = make();
      expect(await classifier.classify('')).toEqual([]);
      expect(await classifier.classify(' \n\t ')).toEqual([]);
    });

    it('rates several texts at once without mixing up their verdicts', async () => {
      const classifier = make();
      const [threat, harmless, selfHarm] = await Promise.all([
        classifier.classify(contractTexts.threat),
        classifier.classify(contractTexts.harmless),
        classifier.classify(contractTexts.selfHarm),
      ]);
      expect(sorted(threat)).toEqual(sorted(contractVerdicts.threat));
      expect(sorted(harmless)).toEqual(sorted(contractVerdicts.harmless));
      expect(sorted(selfHarm)).toEqual(sorted(contractVerdicts.selfHarm));
    });

    it('fails UPSTREAM_UNAVAILABLE when no verdict can be had, and the error carries none of the text', async () => {
      const error = await make()
        .classify(contractTexts.unavailable)
        .then(
          () => undefined,
          (err: unknown) => err as EsafetyError,
        );
      expect(error?.code).toBe('UPSTREAM_UNAVAILABLE');
      const said = JSON.stringify({ message: error?.message, details: error?.details });
      expect(said).not.toContain('group project');
    });
  });
}
