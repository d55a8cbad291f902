import { Cc2ccError } from "@cc2cc/shared";
import { describe, expect, it } from "vitest";
import { OffContractReply, readReply } from "../../src/protocol-replies.js";

describe("readReply", () => {
  it("returns the data of a successful reply", () => {
    expect(readReply("ack", { ok: true, requestId: "r1", data: { acked: 2 } })).toEqual({ acked: 2 });
  });

  it("turns an error reply into Cc2ccError with the hub's code, field and details", () => {
    const err = (() => {
      try {
        readReply("send_message", {
          ok: false,
          requestId: "r2",
          error: { code: "QUEUE_FULL", message: "full", field: "to", details: { instanceId: "a@b:c/d" } },
        });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(Cc2ccError);
    expect(err).toMatchObject({
      code: "QUEUE_FULL",
      message: "full",
      field: "to",
      details: { instanceId: "a@b:c/d" },
    });
  });

  it("names the event and field when the hub answers off the contract", () => {
    const attempt = () => readReply("whoami", { ok: true, requestId: "r3", data: { replica: 7 } });
    expect(attempt).toThrow(OffContractReply);
    expect(attempt).toThrow(/whoami .*instance/);
    expect(() => readReply("ack", "not an object")).toThrow(OffContractReply);
    expect(() => readReply("ack", { ok: false, requestId: "r4" })).toThrow(/ok:false without error/);
  });

  it("keeps fields the hub adds beside a send result", () => {
    const message = {
      id: "m1",
      from: "a@h:p/s",
      to: "b@h:p/s",
      type: "task",
      content: "x",
      timestamp: "2025-01-01T00:00:00.000Z",
    };
    const data = readReply("send_message", {
      ok: true,
      requestId: "r5",
      data: { message, recipients: [], refused: [{ instanceId: "c@h:p/s", code: "QUEUE_FULL" }] },
    });
    expect(data).toMatchObject({ refused: [{ code: "QUEUE_FULL" }] });
  });
});
