// The state of an admin page's "new or change" form over a list of items (channels, outputs, digests,
// suppressions): the draft, the item being changed, field errors (the form's own checks, then the API's problem
// fields), the page's action message and a busy flag, with saving and row actions that reload the list. One
// hook, so that every such page checks, saves and reports errors the same way.
import { useState } from 'preact/hooks';
import { ApiError, describeError } from '../lib/problem';

/** A draft's request body, or what is wrong with it (field → message). */
export interface BodyCheck {
  body?: Record<string, unknown>;
  errors: Record<string, string>;
}

export interface EditFormOptions<Item, Draft> {
  /** A fresh empty draft. */
  empty: () => Draft;
  /** The form filled with an item's editable settings. */
  draftOf: (item: Item) => Draft;
  /** The request body of a draft; `editing` is the item being changed (null: a new one). */
  bodyOf: (draft: Draft, editing: Item | null) => BodyCheck;
  /** Sends the body: creates an item, or changes `editing`. */
  send: (body: Record<string, unknown>, editing: Item | null) => Promise<unknown>;
  /** Reloads the list after a change. */
  reload: () => void;
  /** Called after a change of `item` was saved (e.g. to forget a test outcome about its old settings). */
  saved?: (item: Item | null) => void;
  /** The form's field of a problem's field (default: the same name). */
  fieldOf?: (apiField: string) => string;
}

export interface EditForm<Item, Draft> {
  draft: Draft;
  setDraft: (d: Draft) => void;
  /** Changes some of the draft's fields. */
  set: (patch: Partial<Draft>) => void;
  editing: Item | null;
  errors: Record<string, string>;
  message: string | null;
  busy: boolean;
  /** The accessibility attributes of a field with an error. */
  described: (field: string) => Record<string, unknown>;
  /** Runs a row action (delete, enable…): its failure becomes the page's message; the list reloads after. */
  act: (what: () => Promise<unknown>) => Promise<void>;
  startEdit: (item: Item) => void;
  stopEdit: () => void;
  /** The form's submit handler. */
  submit: (e: Event) => Promise<void>;
}

export function useEditForm<Item, Draft extends object>(o: EditFormOptions<Item, Draft>): EditForm<Item, Draft> {
  const [draft, setDraft] = useState<Draft>(o.empty);
  const [editing, setEditing] = useState<Item | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const stopEdit = (): void => {
    setEditing(null);
    setDraft(o.empty());
    setErrors({});
  };
  return {
    draft,
    setDraft,
    set: (patch) => setDraft({ ...draft, ...patch }),
    editing,
    errors,
    message,
    busy,
    described: (k) => (errors[k] ? { 'aria-invalid': true, 'aria-describedby': `err-${k}` } : {}),
    act: async (what) => {
      setMessage(null);
      try {
        await what();
        o.reload();
      } catch (err) {
        setMessage(describeError(err));
      }
    },
    startEdit: (item) => {
      setEditing(item);
      setDraft(o.draftOf(item));
      setErrors({});
      setMessage(null);
    },
    stopEdit,
    submit: async (e) => {
      e.preventDefault();
      setMessage(null);
      const { body, errors: local } = o.bodyOf(draft, editing);
      setErrors(local);
      if (!body) return;
      setBusy(true);
      try {
        await o.send(body, editing);
        o.saved?.(editing);
        stopEdit();
        o.reload();
      } catch (err) {
        const fields: Record<string, string> = {};
        if (err instanceof ApiError) {
          for (const fe of err.problem.errors ?? []) fields[o.fieldOf ? o.fieldOf(fe.field) : fe.field] = fe.message;
        }
        setErrors(fields);
        setMessage(describeError(err));
      } finally {
        setBusy(false);
      }
    },
  };
}

/**
 * Outcomes of a per-row action that takes a while (a test message, a digest sent now), shown beside the row:
 * "sending…" at once, then what the action says.
 */
export function useRowNotes(): {
  notes: Record<number, string>;
  run: (id: number, action: () => Promise<string>) => Promise<void>;
  forget: (id: number) => void;
} {
  const [notes, setNotes] = useState<Record<number, string>>({});
  return {
    notes,
    run: async (id, action) => {
      setNotes((n) => ({ ...n, [id]: 'sending…' }));
      let text: string;
      try {
        text = await action();
      } catch (err) {
        text = `not sent: ${describeError(err)}`;
      }
      setNotes((n) => ({ ...n, [id]: text }));
    },
    forget: (id) => setNotes(({ [id]: _old, ...rest }) => rest),
  };
}
