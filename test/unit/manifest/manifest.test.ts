import { messageCommands } from '../../../cards/verbs';
import { buildManifest, validateManifest } from '../../../manifest/build-package';

const botId = '3f0c0f3a-1b2c-4d5e-8f90-123456789abc';

describe('Teams app manifest', () => {
  it('is valid against the Teams schema, with the bot and the Report this message action', async () => {
    const manifest = buildManifest({ ESAFETY_BOT_APP_ID: botId });
    expect(await validateManifest(manifest)).toEqual([]);
    expect(manifest).toMatchObject({
      bots: [expect.objectContaining({ botId })],
      composeExtensions: [
        {
          botId,
          commands: [
            expect.objectContaining({
              id: 'reportMessage',
              type: 'action',
              context: ['message'],
              fetchTask: true,
            }),
          ],
        },
      ],
    });
  });

  it('names the missing bot app id', () => {
    expect(() => buildManifest({})).toThrow(/ESAFETY_BOT_APP_ID/);
  });

  it('refuses a non-https privacy link', () => {
    expect(() =>
      buildManifest({ ESAFETY_BOT_APP_ID: botId, ESAFETY_PRIVACY_URL: 'http://example.org/privacy' }),
    ).toThrow(/ESAFETY_PRIVACY_URL/);
  });

  it('declares the message-extension command id the bot answers', () => {
    const manifest = buildManifest({ ESAFETY_BOT_APP_ID: botId }) as {
      composeExtensions: { commands: { id: string }[] }[];
    };
    expect(manifest.composeExtensions[0]?.commands.map((c) => c.id)).toEqual([messageCommands.reportMessage]);
  });
});
