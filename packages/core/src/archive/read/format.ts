/** Numbers of the zip format (APPNOTE) that several checks read. */

export const FLAG_ENCRYPTED = 0x0001;
export const FLAG_DATA_DESCRIPTOR = 0x0008;
export const FLAG_STRONG_ENCRYPTION = 0x0040;
export const FLAG_UTF8 = 0x0800;
export const FLAG_MASKED_HEADERS = 0x2000;
export const UNICODE_PATH_FIELD = 0x7075;
export const ZIP64_FIELD = 0x0001;
