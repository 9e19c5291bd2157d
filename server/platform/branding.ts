/**
 * Branding: the app name (setting `appName`), the uploaded logo and the default theme, which
 * the sign-in page, the header, the page title and emails show. The logo is checked by its
 * bytes (PNG, JPEG, GIF or WebP; SVG is refused, it can carry scripts) and its size.
 */
import type { Db } from '../db/index.ts';
import { type Actor, audit } from './audit.ts';
import { notFound, WeftError } from './errors.ts';
import type { SettingsService } from './settings.ts';

export const maxLogoBytes = 512 * 1024;

const signatures: Array<[type: string, test: (data: Buffer) => boolean]> = [
  [
    'image/png',
    (d) => d.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  ],
  ['image/jpeg', (d) => d[0] === 0xff && d[1] === 0xd8 && d[2] === 0xff],
  [
    'image/gif',
    (d) =>
      d.subarray(0, 6).toString('latin1') === 'GIF87a' || d.subarray(0, 6).toString('latin1') === 'GIF89a',
  ],
  [
    'image/webp',
    (d) => d.subarray(0, 4).toString('latin1') === 'RIFF' && d.subarray(8, 12).toString('latin1') === 'WEBP',
  ],
];

export async function branding(db: Db, settings: SettingsService) {
  const { appName, defaultTheme, menuItems, moduleOrder } = await settings.get();
  const logo = await db.selectFrom('brandingLogo').select('updatedAt').where('id', '=', 1).executeTakeFirst();
  return {
    appName,
    defaultTheme,
    menu: { items: menuItems, moduleOrder },
    // The timestamp makes the URL change when the logo does, so browsers may cache it.
    logoUrl: logo ? `/api/branding/logo?v=${new Date(logo.updatedAt).getTime()}` : null,
  };
}

export async function logo(db: Db) {
  const row = await db
    .selectFrom('brandingLogo')
    .select(['contentType', 'data'])
    .where('id', '=', 1)
    .executeTakeFirst();
  if (!row) throw notFound('Logo');
  return row;
}

export async function setLogo(db: Db, actor: Actor, declared: string | undefined, data: Buffer) {
  if (data.length === 0)
    throw new WeftError('VALIDATION', 'The logo is empty', [{ field: 'body', reason: 'is empty' }]);
  if (data.length > maxLogoBytes)
    throw new WeftError('VALIDATION', `The logo is larger than ${maxLogoBytes / 1024} KB`, [
      { field: 'body', reason: `is ${Math.ceil(data.length / 1024)} KB; at most ${maxLogoBytes / 1024} KB` },
    ]);
  const type = signatures.find(([, test]) => test(data))?.[0];
  if (!type || (declared && declared !== type))
    throw new WeftError('VALIDATION', 'The logo must be a PNG, JPEG, GIF or WebP image', [
      {
        field: 'body',
        reason: type ? `is ${type}, not ${declared}` : 'is not a PNG, JPEG, GIF or WebP image',
      },
    ]);
  await db
    .insertInto('brandingLogo')
    .values({ id: 1, contentType: type, data })
    .onConflict((oc) => oc.column('id').doUpdateSet({ contentType: type, data, updatedAt: new Date() }))
    .execute();
  await audit(db, actor, 'branding.logo', null, { type, bytes: data.length });
}

export async function removeLogo(db: Db, actor: Actor) {
  await db.deleteFrom('brandingLogo').where('id', '=', 1).execute();
  await audit(db, actor, 'branding.logoRemoved', null);
}
