import { type Ref, ref } from "vue";

export interface Toast {
  id: number;
  kind: "ok" | "error" | "info";
  text: string;
}

export interface ConfirmRequest {
  title: string;
  body: string;
  confirmLabel: string;
  danger: boolean;
  resolve(ok: boolean): void;
}

/** Toasts in a corner, and one confirmation dialog at a time, for every view. */
export function createNotices(): {
  toasts: Ref<Toast[]>;
  toast(kind: Toast["kind"], text: string, ms?: number): void;
  pending: Ref<ConfirmRequest | null>;
  confirm(
    req: Omit<ConfirmRequest, "resolve" | "danger" | "confirmLabel"> & Partial<ConfirmRequest>,
  ): Promise<boolean>;
} {
  const toasts = ref<Toast[]>([]);
  const pending = ref<ConfirmRequest | null>(null);
  let next = 1;
  return {
    toasts,
    toast(kind, text, ms = kind === "error" ? 8000 : 3500) {
      const id = next++;
      toasts.value = [...toasts.value.slice(-2), { id, kind, text }];
      setTimeout(() => {
        toasts.value = toasts.value.filter((t) => t.id !== id);
      }, ms);
    },
    pending,
    confirm(req) {
      pending.value?.resolve(false);
      return new Promise<boolean>((resolve) => {
        pending.value = {
          danger: true,
          confirmLabel: "Confirm",
          ...req,
          resolve: (ok) => {
            pending.value = null;
            resolve(ok);
          },
        };
      });
    },
  };
}
export type Notices = ReturnType<typeof createNotices>;
