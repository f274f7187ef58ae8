import { useState } from "preact/hooks";
import { forgetToken, readToken, saveToken } from "../token";

/** Token entry: kept in this tab's session storage only, sent as a bearer token. */
export const TokenBar = ({ onChange }: { onChange: () => void }) => {
  const [draft, setDraft] = useState("");
  const [saved, setSaved] = useState(readToken() !== null);
  return (
    <form
      class="token"
      aria-label="Token entry"
      onSubmit={(e) => {
        e.preventDefault();
        if (!draft.trim()) return;
        saveToken(draft);
        setDraft("");
        setSaved(true);
        onChange();
      }}
    >
      <label for="token-input">API token</label>
      <input id="token-input" type="password" autocomplete="off" placeholder={saved ? "saved for this tab" : "tenant token"} value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
      <button type="submit">Use token</button>
      {saved && (
        <button
          type="button"
          onClick={() => {
            forgetToken();
            setSaved(false);
            onChange();
          }}
        >
          Forget token
        </button>
      )}
    </form>
  );
};
