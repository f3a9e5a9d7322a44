/**
 * Jest's Node environment, quiet: what the code under test writes (handlers' JSON logs and EMF
 * lines on stdout, local mode's console) is held per test and shown only when that test, or a
 * hook, fails. A green run prints results; a red one prints the failing test's output beside it.
 * A test that expects a log line still sees it: spies on `console` or `process.stdout` wrap the
 * capture and restore to it.
 */
import type { Circus } from '@jest/types';
import { TestEnvironment as NodeEnvironment } from 'jest-environment-node';
import { format } from 'node:util';

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
type Write = NodeJS.WriteStream['write'];

export default class QuietEnvironment extends NodeEnvironment {
  private held: string[] = [];
  private readonly originalWrites = new Map<NodeJS.WriteStream, Write>();

  override async setup(): Promise<void> {
    await super.setup();
    for (const stream of [process.stdout, process.stderr]) {
      this.originalWrites.set(stream, stream.write.bind(stream));
      stream.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
        this.held.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        rest.find((argument): argument is () => void => typeof argument === 'function')?.();
        return true;
      };
    }
  }

  override async teardown(): Promise<void> {
    for (const [stream, write] of this.originalWrites) stream.write = write;
    this.held = [];
    await super.teardown();
  }

  handleTestEvent(event: Circus.Event): void {
    // Jest installs the test file's console after `setup`: it is quietened once tests begin.
    if (event.name === 'run_start') this.quietConsole();
    if (event.name === 'test_done') {
      if (event.test.errors.length > 0) this.replay(`the failed test "${event.test.name}"`);
      this.held = [];
    }
    if (event.name === 'hook_failure') this.replay(`the failed ${event.hook.type} hook`);
  }

  private quietConsole(): void {
    const testConsole = this.global.console;
    for (const method of CONSOLE_METHODS) {
      testConsole[method] = (...values: unknown[]) => {
        this.held.push(`console.${method}: ${format(...values)}\n`);
      };
    }
  }

  private replay(what: string): void {
    const output = this.held.join('');
    this.held = [];
    const write = this.originalWrites.get(process.stderr);
    if (output && write) write(`\n── output of ${what} ──\n${output}── end of output ──\n`);
  }
}
