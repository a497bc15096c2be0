// The long-running commands (gateway, orchestrator, redeemer, runner, signer, trickle) run until
// SIGTERM or SIGINT. One place for that: `stopped` resolves on the first of them, and `dispose`
// takes the listeners off again (in the command's finally), so a command run in-process (tests)
// leaves no listener behind.
export interface StopSignal {
  stopped: Promise<void>;
  dispose(): void;
}

export function stopSignal(): StopSignal {
  let resolve: () => void = () => {};
  const stopped = new Promise<void>((r) => (resolve = r));
  const on = (): void => resolve();
  process.once('SIGTERM', on);
  process.once('SIGINT', on);
  return {
    stopped,
    dispose: () => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
    },
  };
}
