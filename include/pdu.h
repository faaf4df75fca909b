/*
 * pdu: a lenient reader of the SMS-DELIVER records a modem lists (PDU mode,
 * 3GPP TS 23.040 9.2.2.1), for what libgammu does not tell.
 *
 * libgammu decodes a record or refuses it whole, and some records it
 * accepts are not what they claim (a user data header longer than the user
 * data decodes as an empty text with a header read from beyond the record).
 * This reads the raw bytes itself, never past the end it is given, to say
 * whether every length field agrees with the data there is, and to keep
 * what can be kept of a record that does not: its sender and timestamp,
 * and its TP-PID (a "type 0" SMS, TP-PID 0x40, is the network testing
 * that a phone is reachable: 9.2.3.9). It never decodes user data: texts
 * are libgammu's. The module never logs and holds no state.
 */
#ifndef SHUKHER_PDU_H
#define SHUKHER_PDU_H

#include <stddef.h>
#include <stdint.h>

#define PDU_NUMBER_MAX  48       /* a sender in UTF-8, with its NUL */
#define PDU_BYTES_MAX   200      /* longer than any record a modem lists */
#define PDU_PID_TYPE0   0x40     /* TP-PID of a "type 0" (silent) SMS */

/* What is wrong with a record: the first field that does not fit. */
enum pdu_status {
	PDU_OK = 0,
	PDU_ERR_HEX,             /* not hex, odd, or longer than any record */
	PDU_ERR_SMSC,            /* the SMSC field runs past the record */
	PDU_ERR_TYPE,            /* TP-MTI 3 (reserved), or not a DELIVER */
	PDU_ERR_ADDRESS,         /* the sender's length runs past the record,
	                            or past the 20 digits an address holds */
	PDU_ERR_TRUNCATED,       /* ends inside TP-PID, TP-DCS, TP-SCTS or
	                            before TP-UDL */
	PDU_ERR_UDL,             /* TP-UDL runs past the record, or past the
	                            160 septets or 140 octets an SMS holds */
	PDU_ERR_UDH,             /* the header's length (or one of its
	                            elements') runs past the user data */
	PDU_ERR_TRAILING,        /* bytes after the user data that are not
	                            0xFF padding (a TP-UDL too short) */
};

/* What could be read of a record, in order; a field the reading did not
 * reach keeps its "unknown" value. */
struct pdu_deliver {
	int mti;                 /* TP-MTI (0 DELIVER); -1 unknown */
	char sender[PDU_NUMBER_MAX]; /* "+976..." or an alphanumeric name in
	                            UTF-8; "" unknown */
	int pid;                 /* TP-PID; -1 unknown */
	int dcs;                 /* TP-DCS; -1 unknown */
	int64_t sent_at;         /* TP-SCTS as Unix seconds; 0 unknown */
	int udl;                 /* TP-UDL; -1 unknown */
	int udhi;                /* 1: TP-UDHI set */
};

/*
 * Reads the hex of one record as a modem lists it (the SMSC field first)
 * into out. Returns PDU_OK when it is an SMS-DELIVER whose every length
 * field fits, else the first thing wrong; out holds what was read before.
 */
enum pdu_status pdu_read_deliver(const char *hex, struct pdu_deliver *out);

/* A short English phrase for s ("user data length past the record"). */
const char *pdu_status_text(enum pdu_status s);

#endif
