/**
 * nodemailer's SMTP client, message composer and XOAUTH2 token holder, imported by smtp.ts when it
 * first connects (see docs/architecture.md#a-command): the commands that send no mail do not load
 * them.
 */
export { default as SMTPConnection } from "nodemailer/lib/smtp-connection";
export { default as MailComposer } from "nodemailer/lib/mail-composer";
export { default as XOAuth2 } from "nodemailer/lib/xoauth2";
