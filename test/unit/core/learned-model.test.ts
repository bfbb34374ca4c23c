import fc from 'fast-check';
import {
  conceptIndex,
  defaultTraining,
  featuresOf,
  opinionOf,
  trainModel,
  type TrainingExample,
} from '../../../core/detection/learned-model';
import { analyse } from '../../../core/detection/language';

const concepts = conceptIndex({ self: ['i', 'me', 'myself'], money: ['cash', 'quid', 'easy money'] });
const featuresOfText = (text: string) => featuresOf(analyse(text), concepts);
const example = (text: string, label: string): TrainingExample => ({
  features: [...featuresOfText(text).keys()],
  label,
});

const classes = ['none', 'exploitation', 'self-harm'];
const examples = [
  example('need someone to take a bag up north, cash in hand', 'exploitation'),
  example('easy money this weekend just drop a parcel off', 'exploitation'),
  example('quick run to the coast, 200 quid for you', 'exploitation'),
  example('i just want to disappear forever', 'self-harm'),
  example('nobody would care if i was gone', 'self-harm'),
  example('i do not want to be here anymore', 'self-harm'),
  example('can you bring the charger to maths', 'none'),
  example('the bus was late again this morning', 'none'),
  example('who is doing the presentation slides', 'none'),
  example('lunch at the canteen after the lesson?', 'none'),
];

describe('the statistical layer', () => {
  const model = trainModel(examples, classes);

  it('reads a message by its words, word pairs and the concepts of the term lists', () => {
    const features = featuresOfText('Sending cash to myself');
    expect([...features.keys()]).toEqual(
      expect.arrayContaining(['w:send', 'b:send cash', 't:money', 't:self']),
    );
    expect(features.get('w:send')).toBe('sending');
    expect(featuresOfText('that is easy money').has('t:money')).toBe(true);
  });

  it('learns the classes of its training messages and names the words that weighed most', () => {
    const opinion = opinionOf(model, featuresOfText('anyone want to take a bag north for cash'));
    expect(opinion.label).toBe('exploitation');
    expect(opinion.risk).toBeGreaterThan(0.5);
    expect(opinion.because.length).toBeGreaterThan(0);
    expect(opinion.because.every((w) => 'anyone want to take a bag north for cash'.includes(w))).toBe(true);
    expect(opinionOf(model, featuresOfText('the bus to maths was late')).risk).toBeLessThan(0.5);
  });

  it('trains the same weights from the same data (the shipped weights can be checked)', () => {
    expect(trainModel(examples, classes)).toEqual(model);
    expect(trainModel(examples, classes, { ...defaultTraining, seed: 7 })).not.toEqual(model);
  });

  it('keeps only features that weigh something, sorted', () => {
    const keys = Object.keys(model.weights);
    expect(keys).toEqual([...keys].sort());
    for (const w of Object.values(model.weights)) {
      expect(w).toHaveLength(classes.length);
      expect(w.some((v) => Math.abs(v) >= defaultTraining.prune)).toBe(true);
    }
  });

  it('refuses a training label that is not one of the classes', () => {
    expect(() => trainModel([example('hello', 'gossip')], classes)).toThrow(/gossip/);
  });

  it('always gives a risk between 0 and 1 and at most three words of the message', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        const features = featuresOfText(text);
        const opinion = opinionOf(model, features);
        expect(opinion.risk).toBeGreaterThanOrEqual(0);
        expect(opinion.risk).toBeLessThanOrEqual(1);
        expect(classes.slice(1)).toContain(opinion.label);
        expect(opinion.because.length).toBeLessThanOrEqual(3);
        const written = new Set([...features.values()]);
        for (const w of opinion.because) expect(written).toContain(w);
      }),
    );
  });
});
