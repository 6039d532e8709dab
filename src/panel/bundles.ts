/** The views' bundles and stylesheet, read from dist/ once to be written into their pages (html.ts's inline()), and again after a rebuild. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleFile, STYLE_FILE, type ViewKind } from './html';

export class Bundles {
  private readonly texts = new Map<string, string>();

  constructor(private readonly dist: string) {}

  script(view: ViewKind): string {
    return this.read(bundleFile(view));
  }

  style(): string {
    return this.read(STYLE_FILE);
  }

  private read(file: string): string {
    let text = this.texts.get(file);
    if (text === undefined) this.texts.set(file, (text = fs.readFileSync(path.join(this.dist, file), 'utf8')));
    return text;
  }

  /** `npm run watch` rebuilt them. */
  forget(): void {
    this.texts.clear();
  }
}
