/** A HostUi for tests and benches that never show a dialog: every question gets one answer, nothing else happens. */
import type { HostUi } from '../../src/panel/router';

export function quietUi(confirmAnswer = true): HostUi {
  return {
    confirm: async () => confirmAnswer,
    prompt: async () => undefined,
    pickModel: async () => undefined,
    setModel: async () => undefined,
    pullModel: async () => undefined,
    writeClipboard: async () => undefined,
    insertAtCursor: async () => false,
    runCommand: async () => undefined,
    pick: async () => undefined,
    propose: async () => undefined,
  };
}
