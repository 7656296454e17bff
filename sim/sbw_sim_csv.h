/* sbw_sim_csv: a bounded RFC 4180 CSV record reader: fields separated by ',', records by LF or
 * CRLF, quoted fields ("...") may hold commas, line breaks and "" for a quote. A record longer
 * than SBW_SIM_CSV_RECORD_MAX bytes, with more than SBW_SIM_CSV_FIELDS_MAX fields or with bytes
 * after a closing quote is reported and skipped, and reading resumes on the next line.
 *
 * Ownership: the reader borrows the FILE (the caller closes it); fields point into the
 * reader's buffer and are valid until the next call. */
#ifndef SBW_SIM_CSV_H
#define SBW_SIM_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SBW_SIM_CSV_RECORD_MAX 16384 /* bytes of one record (its fields, unquoted) */
#define SBW_SIM_CSV_FIELDS_MAX 32

typedef struct {
    FILE *f;
    int64_t line;     /* physical lines read so far */
    int64_t rec_line; /* the line the last record started on (1-based) */
    char buf[SBW_SIM_CSV_RECORD_MAX + SBW_SIM_CSV_FIELDS_MAX + 1];
    size_t field_len[SBW_SIM_CSV_FIELDS_MAX];
    char *fields[SBW_SIM_CSV_FIELDS_MAX]; /* NUL-terminated */
    int nfields;
    int eof;
} sbw_sim_csv_t;

/* Starts reading f. */
void sbw_sim_csv_init(sbw_sim_csv_t *c, FILE *f);

/* Reads the next record. Returns 1 with fields/nfields set; 0 at the end of the input; 2 when
 * a record was skipped, with the reason in err ("record longer than 16384 bytes", "more than
 * 32 fields", "unexpected character after a closing quote", "quoted field not closed at the
 * end of the file"); -1 on a read error. Blank lines are skipped silently. */
int sbw_sim_csv_next(sbw_sim_csv_t *c, char *err, size_t errlen);

#endif
