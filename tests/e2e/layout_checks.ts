/**
 * Layout and accessibility checks run in the page (Chromium): horizontal overflow, touch target sizes and
 * accessible names. Each returns the problems it found as readable lines; an empty list means the page passes.
 */
import type { Page } from "playwright-core";

/** Smallest touch target [CSS px] on each side (WCAG 2.5.5, Apple and Android guidelines). */
export const MIN_TARGET_PX = 44;

/** Elements a finger must hit: buttons, form fields, and links in the site's navigation and headers. */
export const TARGET_SELECTOR = [
  "button",
  "[role=button]",
  "a.button",
  "input:not([type=hidden])",
  "select",
  "textarea",
  "header a",
  "nav a",
].join(",");

/** Fields that need an accessible name. */
export const FIELD_SELECTOR = "input:not([type=hidden]), select, textarea, button, [role=button]";

/** A problem when the page scrolls sideways (`document.scrollingElement.scrollWidth > innerWidth`). */
export async function horizontalOverflow(page: Page): Promise<string[]> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.scrollingElement!.scrollWidth,
    innerWidth: globalThis.innerWidth,
  }));
  return scrollWidth <= innerWidth ? [] : [`scrolls sideways: scrollWidth ${scrollWidth} > innerWidth ${innerWidth}`];
}

/**
 * Visible targets smaller than {@link MIN_TARGET_PX} on either side. A field's target includes its `<label>`
 * (tapping the label operates the field), so a small checkbox inside a big label passes.
 */
export async function smallTargets(page: Page, minPx = MIN_TARGET_PX): Promise<string[]> {
  return await page.evaluate(({ selector, minPx }) => {
    const problems: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>(selector)) {
      const style = getComputedStyle(el);
      const own = el.getBoundingClientRect();
      const labels = (el as HTMLInputElement).labels ? [...(el as HTMLInputElement).labels!] : [];
      const visibleLabel = labels.some((l) => l.getBoundingClientRect().width > 0);
      if (style.visibility === "hidden" || (own.width === 0 && own.height === 0 && !visibleLabel)) continue;
      const boxes = [own, ...labels.map((l) => l.getBoundingClientRect())];
      const width = Math.max(...boxes.map((b) => b.width));
      const height = Math.max(...boxes.map((b) => b.height));
      if (width + 0.5 < minPx || height + 0.5 < minPx) {
        const id = el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : el.id ? `#${el.id}` : "";
        const text = (el.textContent ?? "").trim().slice(0, 30);
        problems.push(
          `${el.tagName.toLowerCase()}${id}${text ? ` "${text}"` : ""} is ${Math.round(width)}x${
            Math.round(height)
          } px (< ${minPx})`,
        );
      }
    }
    return problems;
  }, { selector: TARGET_SELECTOR, minPx });
}

/** Form fields and buttons without an accessible name (label, aria-label(ledby), title, or button text). */
export async function unnamedFields(page: Page): Promise<string[]> {
  return await page.evaluate((selector) => {
    const textOf = (ids: string) =>
      ids.split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? "").join(" ").trim();
    const problems: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>(selector)) {
      const input = el as HTMLInputElement;
      const names = [
        el.getAttribute("aria-label") ?? "",
        el.getAttribute("aria-labelledby") ? textOf(el.getAttribute("aria-labelledby")!) : "",
        ...(input.labels ? [...input.labels].map((l) => l.textContent ?? "") : []),
        el.getAttribute("title") ?? "",
        el.tagName === "BUTTON" || el.getAttribute("role") === "button" ? el.textContent ?? "" : "",
        ["submit", "button", "reset"].includes(input.type) ? input.value ?? "" : "",
      ];
      if (names.every((n) => n.trim() === "")) {
        const id = el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : el.id ? `#${el.id}` : "";
        problems.push(`${el.tagName.toLowerCase()}${id}${input.type ? `[type=${input.type}]` : ""} has no name`);
      }
    }
    return problems;
  }, FIELD_SELECTOR);
}
