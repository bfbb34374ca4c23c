#!/usr/bin/env node
// The `esafety` admin CLI (see cli/esafety.ts). The TypeScript is compiled to dist/ by `npm install`
// (the `prepare` script) and by `npm run build`.
'use strict';
try {
  require('../dist/cli/esafety.js').main();
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/esafety')) {
    process.stderr.write(
      'esafety: the app is not built yet. Run `npm run build` (npm install does it for you).\n',
    );
    process.exitCode = 1;
  } else {
    throw err;
  }
}
