'use strict';

/**
 * Prints one plain closing line ("jest: N passed, N failed, N skipped") that CI reads, and
 * appends the counts to $TEST_SUMMARY_FILE when set (tests/run.js adds runs up).
 */
const fs = require('fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const passed = results.numPassedTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    const db = process.env.DATABASE_CLIENT || 'sqlite';
    process.stdout.write(`\n[${db}] jest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
    if (process.env.TEST_SUMMARY_FILE) {
      fs.appendFileSync(process.env.TEST_SUMMARY_FILE, JSON.stringify({ db, passed, failed, skipped }) + '\n');
    }
  }
}

module.exports = SummaryReporter;
