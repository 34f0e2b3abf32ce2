// A database stand-in: initialises its data file, then tells the supervisor
// it is ready by writing a newline on fd 3 (the notification-fd file says 3).
// Runtime data lives in $TMPDIR (or /tmp), never in the source tree.
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');

const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
const stateDir = process.env.WEBSTACK_STATE ?? path.join(process.env.TMPDIR || '/tmp', `s6rc-webstack-${uid}`);
const dbFile = path.join(stateDir, 'db.json');

fs.mkdirSync(stateDir, { recursive: true });
let db = { createdAt: new Date().toISOString(), tables: {} };
if (fs.existsSync(dbFile)) db = JSON.parse(fs.readFileSync(dbFile, 'utf8'));
db.openedBy = process.pid;
db.openedAt = new Date().toISOString();
fs.writeFileSync(dbFile, JSON.stringify(db, null, 2) + os.EOL);
console.log(`db: opened ${dbFile} (pid ${process.pid})`);

// Readiness: the first newline on fd 3 means "ready". Without a supervisor
// (fd 3 not open) there is nobody to tell.
try {
  fs.writeSync(3, '\n');
  fs.closeSync(3);
} catch {}
console.log('db: ready');

const heartbeat = setInterval(() => {}, 60_000);
function stop(signal) {
  clearInterval(heartbeat);
  console.log(`db: ${signal}, closing ${dbFile}`);
  process.exit(0);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
