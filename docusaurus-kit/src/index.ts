import {readFileSync} from 'node:fs';
import path from 'node:path';
import type {LoadContext, Plugin} from '@docusaurus/types';
import type {PluginOptions, ClientOptions} from 'docusaurus-theme-docs-chat';

export const PLUGIN_NAME = 'docusaurus-theme-docs-chat';

/**
 * The theme: components in lib/theme (their TypeScript source in src/theme for
 * `swizzle --typescript`), the options for the browser as the plugin's global data, and
 * its strings' translations for the site's locale.
 */
export default function themeDocsChat(context: LoadContext, options: PluginOptions): Plugin<void> {
  const {currentLocale} = context.i18n;
  return {
    name: PLUGIN_NAME,

    getThemePath() {
      return '../lib/theme';
    },
    getTypeScriptThemePath() {
      return '../src/theme';
    },

    getDefaultCodeTranslationMessages() {
      return Promise.resolve(readLocaleMessages(currentLocale));
    },

    async contentLoaded({actions}) {
      const clientOptions: ClientOptions = {
        apiUrl: options.apiUrl ? options.apiUrl.replace(/\/+$/, '') : null,
        suggestedQuestions: options.suggestedQuestions,
        buttonPosition: options.buttonPosition,
        labels: options.labels,
        keyboardShortcut: options.keyboardShortcut,
      };
      actions.setGlobalData(clientOptions);
    },
  };
}

/** The theme's own translations (locales/<locale>.json), `fr-CA` falling back to `fr`; {} for English. */
function readLocaleMessages(locale: string): Record<string, string> {
  const candidates = [locale, locale.split('-')[0]!];
  for (const candidate of candidates) {
    try {
      return JSON.parse(readFileSync(path.join(__dirname, '../locales', `${candidate}.json`), 'utf8')) as Record<string, string>;
    } catch {
      // No translation for this locale: the next candidate, then the English messages in the code.
    }
  }
  return {};
}

export {validateOptions} from './options';
export {getSwizzleConfig} from './swizzle';
