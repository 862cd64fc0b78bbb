/** Open an instance by id from anywhere: "/" or Ctrl+K focuses the box, Enter opens, Escape leaves. */
import { useEffect, useRef, useState } from "preact/hooks";

export function QuickOpen({ onOpen }: { onOpen: (instanceId: string) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [value, setValue] = useState("");
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const typing = event.target instanceof HTMLElement && /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
      if ((event.key === "/" && !typing) || (event.key === "k" && (event.ctrlKey || event.metaKey))) {
        event.preventDefault();
        input.current?.focus();
        input.current?.select();
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);
  return (
    <form
      class="quick-open"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        const id = value.trim();
        if (id) onOpen(id);
        setValue("");
        input.current?.blur();
      }}
    >
      <input
        ref={input}
        type="search"
        aria-label="Open an instance by id (press / or Ctrl+K)"
        placeholder="Open instance id…  ( / )"
        value={value}
        onInput={(event) => setValue(event.currentTarget.value)}
        onKeyDown={(event) => event.key === "Escape" && event.currentTarget.blur()}
      />
    </form>
  );
}
