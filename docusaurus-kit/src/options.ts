import {Joi} from '@docusaurus/utils-validation';
import type {OptionValidationContext} from '@docusaurus/types';
import type {Options, PluginOptions} from 'docusaurus-theme-docs-chat';

/** The most suggested questions the panel shows when a chat opens. */
export const MAX_SUGGESTED_QUESTIONS = 3;

// The backend's own limit on a question (POST /api/chat `message`).
const MAX_QUESTION_CHARS = 2000;

const label = Joi.string().trim().min(1).max(80);

export const OptionsSchema = Joi.object<PluginOptions>({
  // Unset or empty: the site builds without the chat (a preview with no backend, say).
  apiUrl: Joi.string()
    .trim()
    .uri({scheme: ['http', 'https']})
    .allow('', null)
    .messages({
      'string.uri':
        '{{#label}} must be the chat backend\'s URL, with http:// or https://, such as https://owner-docs-chat.hf.space or http://localhost:7860; got {:[.]}',
      'string.uriCustomScheme':
        '{{#label}} must be the chat backend\'s URL, with http:// or https://, such as https://owner-docs-chat.hf.space or http://localhost:7860; got {:[.]}',
    }),
  suggestedQuestions: Joi.array()
    .items(Joi.string().trim().min(1).max(MAX_QUESTION_CHARS))
    .max(MAX_SUGGESTED_QUESTIONS)
    .default([])
    .messages({'array.max': `{{#label}} holds at most ${MAX_SUGGESTED_QUESTIONS} questions (the panel shows three)`}),
  buttonPosition: Joi.string()
    .valid('bottom-right', 'bottom-left', 'none')
    .default('bottom-right')
    .messages({'any.only': '{{#label}} must be "bottom-right", "bottom-left" or "none" (no floating button: the navbar item or useDocsChat() opens the chat)'}),
  labels: Joi.object({
    button: label,
    title: label,
    placeholder: label,
  }).default({}),
  keyboardShortcut: Joi.boolean().default(true),
});

/** Docusaurus calls this at start and build: a bad option stops it with Joi's message naming the field. */
export function validateOptions({validate, options}: OptionValidationContext<Options | undefined, PluginOptions>): PluginOptions {
  return validate(OptionsSchema, options ?? {});
}
