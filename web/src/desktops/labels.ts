/** `work, finance  linux` → `["work", "finance", "linux"]` */
export const parseLabels = (text: string): string[] => [...new Set(text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean))];
