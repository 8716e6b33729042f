import {useCallback, useEffect, useState, type RefObject} from 'react';

export interface Selected {
  text: string;
  /** Where to offer "Ask about this": below the selection, in page coordinates. */
  top: number;
  left: number;
}

/**
 * The text the reader has selected on the page (outside the chat itself), at most maxChars
 * long, or null, and a function that drops it. Read when a mouse or key gesture ends, not
 * on every selectionchange.
 */
export function useSelectedText(outside: RefObject<HTMLElement | null>, maxChars: number): [Selected | null, () => void] {
  const [selected, setSelected] = useState<Selected | null>(null);
  useEffect(() => {
    const read = (event: Event) => {
      // A gesture inside the chat (its own button included) leaves the offer as it is.
      if (event.target instanceof Node && outside.current?.contains(event.target)) return;
      const selection = window.getSelection();
      const text = selection?.toString().trim() ?? '';
      if (!selection || selection.rangeCount === 0 || text.length < 2 || outside.current?.contains(selection.anchorNode)) {
        setSelected(null);
        return;
      }
      const rect = selection.getRangeAt(0).getBoundingClientRect();
      setSelected({text: text.slice(0, maxChars), top: rect.bottom + window.scrollY + 6, left: rect.left + window.scrollX});
    };
    document.addEventListener('mouseup', read);
    document.addEventListener('keyup', read);
    return () => {
      document.removeEventListener('mouseup', read);
      document.removeEventListener('keyup', read);
    };
  }, [outside, maxChars]);
  // Once taken into the chat, the page's selection and its button go.
  const dismiss = useCallback(() => {
    window.getSelection()?.removeAllRanges();
    setSelected(null);
  }, []);
  return [selected, dismiss];
}
