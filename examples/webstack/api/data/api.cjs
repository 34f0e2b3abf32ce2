// An API stand-in: checks the migrations are there, then logs a request-ish
// line every LOG_INTERVAL_MS (from env/LOG_INTERVAL_MS) on stdout, which the
// pipeline connects to api-log's stdin. It marks itself listening by writing
// ./api.listening, which data/check (the notifyoncheck program) looks for.
const fs = require('node:fs');
const path = require('node:path');

const env = {};
for (const name of fs.existsSync('./env') ? fs.readdirSync('./env') : []) {
  env[name] = fs.readFileSync(path.join('./env', name), 'utf8').split('\n')[0];
}
const interval = Number(process.env.LOG_INTERVAL_MS ?? env.LOG_INTERVAL_MS ?? 1000);
const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
const stateDir = process.env.WEBSTACK_STATE ?? path.join(process.env.TMPDIR || '/tmp', `s6rc-webstack-${uid}`);
const migrations = fs.existsSync(path.join(stateDir, 'migrations'))
  ? fs.readFileSync(path.join(stateDir, 'migrations'), 'utf8').trim().split('\n').length
  : 0;

console.log(`api: started (pid ${process.pid}), schema has ${migrations} migration(s)`);
fs.writeFileSync('./api.listening', `${process.pid}\n`);

const routes = ['GET /users', 'GET /users/42', 'POST /users', 'GET /health'];
let n = 0;
const timer = setInterval(() => {
  const route = routes[n++ % routes.length];
  const status = route.startsWith('POST') ? 201 : 200;
  console.log(`api: ${route} ${status} ${1 + (n % 7)}ms`);
}, interval);

function stop(signal) {
  clearInterval(timer);
  try {
    fs.rmSync('./api.listening');
  } catch {}
  console.log(`api: ${signal}, served ${n} requests`);
  process.exit(0);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
