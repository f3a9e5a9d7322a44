/** How an operator command ends: its exit code, or 1 with the error's message on stderr (never a stack trace). */

/** Runs `main` with the command's arguments and sets the process's exit code from its answer. */
export function runCommand(main: (args: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
