'use strict';

const fs = require('fs');
const path = require('path');

/**
 * Integration tests boot the built plugin in the playground: refuse to run against a missing
 * plugin build, and compile the playground (a TypeScript app) to its dist/ when a source changed.
 */
module.exports = async () => {
  const entry = path.resolve(__dirname, '..', '..', 'dist', 'server', 'index.js');
  if (!fs.existsSync(entry)) {
    throw new Error('dist/server is missing: run `npm run build` (npm test does it for you)');
  }
  require('../../playground/scripts/app').compilePlayground();
};
