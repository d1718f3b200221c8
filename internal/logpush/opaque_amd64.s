//go:build !purego

#include "textflag.h"

// MASK16(off, cmp, shift) ORs into DX the 16-bit PMOVMSKB mask of
// X(cmp) == the 16 bytes at off(SI), shifted left by shift.
#define MASK16(off, pat, shift) \
	MOVOU off(SI), X0 \
	PCMPEQB pat, X0 \
	PMOVMSKB X0, AX \
	SHLQ $shift, AX \
	ORQ AX, DX

#define MASK16OR(off, pat, shift) \
	MOVOU off(SI), X0 \
	POR X2, X0 \
	PCMPEQB pat, X0 \
	PMOVMSKB X0, AX \
	SHLQ $shift, AX \
	ORQ AX, DX

// func bracketMasks64(p *byte) (quote, open, close, bslash uint64)
//
// Bit k of quote, open, close and bslash is set when p[k] is '"', '{' or
// '[', '}' or ']', and '\\'. Reads exactly 64 bytes. SSE2 only (every amd64
// has it).
TEXT ·bracketMasks64(SB), NOSPLIT, $0-40
	MOVQ p+0(FP), SI
	MOVQ $0x2222222222222222, AX
	MOVQ AX, X1
	PUNPCKLQDQ X1, X1
	MOVQ $0x2020202020202020, AX
	MOVQ AX, X2
	PUNPCKLQDQ X2, X2
	MOVQ $0x7b7b7b7b7b7b7b7b, AX
	MOVQ AX, X3
	PUNPCKLQDQ X3, X3
	MOVQ $0x7d7d7d7d7d7d7d7d, AX
	MOVQ AX, X4
	PUNPCKLQDQ X4, X4

	XORQ DX, DX
	MASK16(0, X1, 0)
	MASK16(16, X1, 16)
	MASK16(32, X1, 32)
	MASK16(48, X1, 48)
	MOVQ DX, quote+8(FP)

	XORQ DX, DX
	MASK16OR(0, X3, 0)
	MASK16OR(16, X3, 16)
	MASK16OR(32, X3, 32)
	MASK16OR(48, X3, 48)
	MOVQ DX, open+16(FP)

	XORQ DX, DX
	MASK16OR(0, X4, 0)
	MASK16OR(16, X4, 16)
	MASK16OR(32, X4, 32)
	MASK16OR(48, X4, 48)
	MOVQ DX, close+24(FP)

	MOVQ $0x5c5c5c5c5c5c5c5c, AX
	MOVQ AX, X5
	PUNPCKLQDQ X5, X5
	XORQ DX, DX
	MASK16(0, X5, 0)
	MASK16(16, X5, 16)
	MASK16(32, X5, 32)
	MASK16(48, X5, 48)
	MOVQ DX, bslash+32(FP)
	RET
