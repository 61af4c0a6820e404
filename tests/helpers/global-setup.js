'use strict';

const fs = require('fs');
const path = require('path');

/** Integration tests boot the built plugin: refuse to run against a missing build. */
module.exports = async () => {
  const entry = path.resolve(__dirname, '..', '..', 'dist', 'server', 'index.js');
  if (!fs.existsSync(entry)) {
    throw new Error('dist/server is missing: run `npm run build` (npm test does it for you)');
  }
};
