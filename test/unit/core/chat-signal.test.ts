import {
  assessChatMessage,
  chatSubject,
  type ChatMessageFacts,
  type Participant,
} from '../../../core/detection/chat-signal';
import { SafeguardingLibrary } from '../../../core/detection/safeguarding-library';
import { leadingSignal } from '../../../core/intake/signal';
import type { PolicyPack } from '../../../core/policy/policy-pack';
import { defaultPack } from '../../support/fixtures';

const lee: Participant = { id: 'lee', displayName: 'Lee Learner', identity: 'internal' };
const tariq: Participant = { id: 'tariq', displayName: 'Tariq Tutor', identity: 'internal' };
const learners = new Set(['lee', 'lola']);
const isLearner = (p: Participant) => learners.has(p.id);

function msg(sender: Participant, text: string, extra: Partial<ChatMessageFacts> = {}): ChatMessageFacts {
  return {
    messageId: '1700000000001',
    conversation: { kind: 'chat', chatId: '19:abc@thread.v2' },
    sender,
    text,
    createdAt: '2026-11-23T09:00:00Z',
    ...extra,
  };
}

function assess(message: ChatMessageFacts, members: Participant[], pack: PolicyPack = defaultPack) {
  return assessChatMessage(pack, new SafeguardingLibrary(pack), message, members, isLearner);
}

describe('chat signals', () => {
  it.each([
    ['a guest from outside the college', 'external'],
    ['a user of another organisation', 'federated'],
    ['an anonymous guest', 'anonymous'],
    ['a personal Microsoft account', 'personal'],
  ] as const)('flags a learner in a chat with %s', (_who, identity) => {
    const outsider: Participant = { id: 'x', identity };
    const { hits } = assess(msg(lee, 'hello'), [lee, outsider]);
    expect(hits).toEqual([
      expect.objectContaining({ kind: 'externalContact', category: 'external-contact', severity: 'medium' }),
    ]);
  });

  it("flags a guest's first message to a learner: Graph calls the sender an ordinary user, the member list says guest", () => {
    // As Graph sends it: the message's `from.user` is an aadUser of our tenant (internal) …
    const guestAsSender: Participant = { id: 'g', displayName: 'Gus Guest', identity: 'internal' };
    // … and only the chat's member list carries the `guest` role.
    const guestAsMember: Participant = { id: 'g', displayName: 'Gus Guest', identity: 'external' };
    const a = assess(msg(guestAsSender, 'hello lee'), [lee, guestAsMember]);
    expect(a.hits).toEqual([
      expect.objectContaining({ kind: 'externalContact', outsiders: [expect.objectContaining({ id: 'g' })] }),
    ]);
    expect(a.sender.identity).toBe('external');
    // Whichever order the records come in, the most outside one wins.
    expect(assess(msg(guestAsMember, 'hello lee'), [lee, guestAsSender]).sender.identity).toBe('external');
  });

  it('does not flag outsiders where no learner is present, nor colleagues talking with a learner', () => {
    expect(assess(msg(tariq, 'hello'), [tariq, { id: 'x', identity: 'personal' }]).hits).toEqual([]);
    expect(assess(msg(tariq, 'hello'), [tariq, lee]).hits).toEqual([]);
  });

  it("trusts outsiders from the pack's partner domains", () => {
    const pack: PolicyPack = {
      ...defaultPack,
      detection: {
        ...defaultPack.detection,
        externalContact: { ...defaultPack.detection.externalContact, trustedDomains: ['employer.example'] },
      },
    };
    const mentor: Participant = { id: 'm', identity: 'federated', email: 'mentor@Employer.example' };
    expect(assess(msg(lee, 'hi'), [lee, mentor], pack).hits).toEqual([]);
  });

  it('keys an outsider in a chat the same for every message, and a phrase per message', () => {
    const outsider: Participant = { id: 'x', identity: 'personal' };
    const a = assess(msg(outsider, 'keep this between us'), [lee, outsider]).hits;
    const b = assess(msg(outsider, 'keep this between us', { messageId: '1700000000002' }), [
      lee,
      outsider,
    ]).hits;
    expect(a.map((h) => h.kind)).toEqual(['externalContact', 'phrase']);
    expect(a[0]?.key).toBe(b[0]?.key);
    expect(a[1]?.key).not.toBe(b[1]?.key);
  });

  it('counts a DLP violation wherever it happens, but not "none"', () => {
    expect(assess(msg(tariq, 'x', { dlpAction: 'blockAccess' }), [tariq]).hits).toEqual([
      expect.objectContaining({ kind: 'dlp', category: 'data-breach' }),
    ]);
    expect(assess(msg(tariq, 'x', { dlpAction: 'none' }), [tariq]).hits).toEqual([]);
  });

  it('leads with the most severe hit and is about the insider who wrote it, or the learner an outsider wrote to', () => {
    const outsider: Participant = { id: 'x', identity: 'anonymous' };
    const fromOutsider = msg(outsider, 'our little secret');
    const a = assess(fromOutsider, [lee, outsider]);
    const lead = leadingSignal(a.hits)!;
    expect(lead).toMatchObject({ kind: 'phrase', category: 'grooming', severity: 'high' });
    expect(chatSubject(a, lead)).toEqual({
      subjectType: 'learner',
      subjectPart: 'harmed',
      subject: lee,
    });

    const fromTutor = msg(tariq, 'our little secret');
    const b = assess(fromTutor, [lee, tariq]);
    expect(chatSubject(b, leadingSignal(b.hits)!)).toEqual({
      subjectType: 'staff',
      subjectPart: 'acted',
      subject: tariq,
    });
  });
});
