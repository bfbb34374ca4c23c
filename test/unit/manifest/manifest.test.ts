import { messageCommands } from '../../../cards/verbs';
import JSZip from 'jszip';
import { buildManifest, teamsAppZip, validateManifest } from '../../../manifest/build-package';

const botId = '3f0c0f3a-1b2c-4d5e-8f90-123456789abc';
const settings = {
  ESAFETY_BOT_APP_ID: botId,
  ESAFETY_PUBLIC_URL: 'https://func-esafety-x1.azurewebsites.net',
};

describe('Teams app manifest', () => {
  it('is valid against the Teams schema, with the bot and the Report this message action', async () => {
    const manifest = buildManifest(settings);
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

  it('names the missing bot app id and Function App URL', () => {
    expect(() => buildManifest({})).toThrow(/ESAFETY_BOT_APP_ID[\s\S]*ESAFETY_PUBLIC_URL/);
  });

  it("names the Function App's host as its one valid domain and in webApplicationInfo", () => {
    expect(buildManifest(settings)).toMatchObject({
      validDomains: ['func-esafety-x1.azurewebsites.net'],
      webApplicationInfo: { id: botId, resource: `api://func-esafety-x1.azurewebsites.net/botid-${botId}` },
    });
  });

  it('packages the manifest with a 192×192 colour icon and a 32×32 transparent outline icon', async () => {
    const zip = await JSZip.loadAsync(await teamsAppZip(settings));
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    // A PNG's IHDR: width and height at bytes 16–23, colour type at byte 25 (6 = RGBA, so transparency).
    const ihdr = async (name: string) => {
      const png = await zip.file(name)!.async('nodebuffer');
      return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), rgba: png[25] === 6 };
    };
    expect(await ihdr('color.png')).toMatchObject({ width: 192, height: 192 });
    expect(await ihdr('outline.png')).toEqual({ width: 32, height: 32, rgba: true });
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as Record<string, unknown>;
    expect(await validateManifest(manifest)).toEqual([]);
  });

  it('refuses a non-https privacy link', () => {
    expect(() => buildManifest({ ...settings, ESAFETY_PRIVACY_URL: 'http://example.org/privacy' })).toThrow(
      /ESAFETY_PRIVACY_URL/,
    );
  });

  it('declares the message-extension command id the bot answers', () => {
    const manifest = buildManifest(settings) as {
      composeExtensions: { commands: { id: string }[] }[];
    };
    expect(manifest.composeExtensions[0]?.commands.map((c) => c.id)).toEqual([messageCommands.reportMessage]);
  });
});
