
/** Where a hook delivers: a shell command (run in `cwd`) or an HTTP URL, with a time limit. */
export interface HookTarget {
  readonly command?: string;
  readonly url?: string;
  readonly timeoutMs: number;
  /** The directory a command runs in (the project's, so relative scripts work). */
  readonly cwd: string;
}

const OUTPUT_KEPT = 400;

/**
 * Delivers one JSON payload: a command gets it on standard input and in
 * `MAYFLY_EVENT` and must exit 0; a URL gets it as a POST and must answer 2xx.
 * Throws an Error saying what went wrong; never hangs beyond the timeout.
 */
export async function runHook(target: HookTarget, payload: unknown): Promise<void> {
  const body = JSON.stringify(payload);
  if (target.url !== undefined) return postHook(target.url, body, target.timeoutMs);
  if (target.command !== undefined) return commandHook(target.command, body, target.cwd, target.timeoutMs);
  throw new Error('hook has neither command nor url');
}

async function postHook(url: string, body: string, timeoutMs: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'mayfly-hooks' }, body, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const reason = e instanceof Error && e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
    throw new Error(`POST ${url} failed: ${reason}`);
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status} ${res.statusText}${text ? `: ${text.slice(0, OUTPUT_KEPT)}` : ''}`);
}

async function commandHook(command: string, body: string, cwd: string, timeoutMs: number): Promise<void> {
  // Loaded here: node:child_process (with net and dgram) is a few milliseconds of every start-up that runs no hook.
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd, env: { ...process.env, MAYFLY_EVENT: body }, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < OUTPUT_KEPT) stderr += d;
    });
    // A command that does not read its input closes the pipe early: that is not a failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(body);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`hook command could not start: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new Error(`hook command did not finish within ${timeoutMs} ms: ${command}`));
      else if (code === 0) resolve();
      else reject(new Error(`hook command exited with ${code ?? signal}: ${command}${stderr ? `: ${stderr.trim().slice(0, OUTPUT_KEPT)}` : ''}`));
    });
  });
}
