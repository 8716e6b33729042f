// Builds what Docusaurus loads: lib/index.js (the plugin, CommonJS), lib/theme and lib/client
// (ES modules, JSX kept), and the theme's CSS modules beside their components.
import {execFileSync} from 'node:child_process';
import {cpSync, rmSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(join(root, 'lib'), {recursive: true, force: true});
for (const project of ['tsconfig.server.json', 'tsconfig.json']) {
  execFileSync(process.execPath, [tsc, '-p', join(root, project)], {stdio: 'inherit'});
}
cpSync(join(root, 'src/theme'), join(root, 'lib/theme'), {recursive: true, filter: (path) => !/\.tsx?$/.test(path)});
