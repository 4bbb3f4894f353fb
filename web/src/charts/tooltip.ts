// Tooltip content built from DOM nodes with textContent: reporter names and addresses come from reports that
// anyone can send us, so nothing from the data is ever parsed as HTML.

export interface TooltipRow {
  label: string;
  value: string;
  color?: string;
}

export interface TooltipContent {
  title: string;
  rows: TooltipRow[];
  hint?: string;
}

export function tooltipElement(c: TooltipContent): HTMLElement {
  const root = document.createElement('div');
  root.className = 'tt';
  const title = document.createElement('div');
  title.className = 'tt-title';
  title.textContent = c.title;
  root.appendChild(title);
  for (const r of c.rows) {
    const row = document.createElement('div');
    row.className = 'tt-row';
    if (r.color) {
      const dot = document.createElement('span');
      dot.className = 'tt-dot';
      dot.style.backgroundColor = r.color;
      row.appendChild(dot);
    }
    const label = document.createElement('span');
    label.className = 'tt-label';
    label.textContent = r.label;
    const value = document.createElement('span');
    value.className = 'tt-value';
    value.textContent = r.value;
    row.append(label, value);
    root.appendChild(row);
  }
  if (c.hint) {
    const hint = document.createElement('div');
    hint.className = 'tt-hint';
    hint.textContent = c.hint;
    root.appendChild(hint);
  }
  return root;
}
