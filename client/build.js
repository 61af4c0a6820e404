'use strict';

/**
 * After `strapi-plugin build`, which builds strapi-plugin-subscriptions/client like the server
 * and the admin (every entry of package.json `exports` with a `source`: dist/client/index.mjs,
 * dist/client/index.js and dist/client/src/index.d.ts): checks it is there, and copies the ESM
 * build to the playground's member site (playground/public/members/client.js, not committed).
 */
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const built = path.join(ROOT, 'dist', 'client');
for (const file of ['index.mjs', 'index.js', path.join('src', 'index.d.ts')]) {
  if (!fs.existsSync(path.join(built, file))) {
    console.error(`[ERROR] dist/client/${file} is missing: strapi-plugin build did not build the ./client export`);
    process.exit(1);
  }
}
const site = path.join(ROOT, 'playground', 'public', 'members');
if (fs.existsSync(site)) fs.copyFileSync(path.join(built, 'index.mjs'), path.join(site, 'client.js'));
console.log('[INFO] client: dist/client/ built; copied to playground/public/members/client.js');
