/**
 * The one place the plugin reads the time. Every rule takes `now` as an argument; services ask
 * the clock only when their caller did not pass one. Tests running in-process can pin it.
 */
export default () => {
  let pinned: Date | null = null;
  return {
    now: (): Date => (pinned ? new Date(pinned.getTime()) : new Date()),
    /** Pin the clock to an instant (tests, simulations); `null` returns to real time. */
    pin(instant: Date | null) {
      pinned = instant ? new Date(instant.getTime()) : null;
    },
  };
};
