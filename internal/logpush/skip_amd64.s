//go:build !purego

#include "textflag.h"

// func skipBlocksAVX2(p *byte, n, avail int) (j, depth int, inStr uint64, status int)
//
// skipBracketsFast's loop in one call (AVX2 compares, PCLMULQDQ for the
// prefix XOR of the quote bits): from the bracket at p, 64 bytes at a time
// while j < n and j+64 <= avail, bits past n masked off. status 0: the value
// ends at j; 1: go on from j at depth/inStr in Go (a backslash in the block
// at j, or fewer than 64 readable bytes left); 2: nesting too deep at j;
// 3: the line ended inside the value.
TEXT ·skipBlocksAVX2(SB), NOSPLIT, $0-56
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), R8
	MOVQ avail+16(FP), R9
	MOVQ $0x22, AX
	VMOVQ AX, X1
	VPBROADCASTB X1, Y1
	MOVQ $0x5c, AX
	VMOVQ AX, X2
	VPBROADCASTB X2, Y2
	MOVQ $0x20, AX
	VMOVQ AX, X3
	VPBROADCASTB X3, Y3
	MOVQ $0x7b, AX
	VMOVQ AX, X4
	VPBROADCASTB X4, Y4
	MOVQ $0x7d, AX
	VMOVQ AX, X5
	VPBROADCASTB X5, Y5
	MOVQ $-1, AX
	VMOVQ AX, X6
	XORQ DI, DI
	XORQ R10, R10
	XORQ R11, R11

loop:
	CMPQ DI, R8
	JGE  ended
	LEAQ 64(DI), AX
	CMPQ AX, R9
	JGT  more
	VMOVDQU 0(SI)(DI*1), Y7
	VMOVDQU 32(SI)(DI*1), Y8
	VPCMPEQB Y7, Y2, Y9
	VPCMPEQB Y8, Y2, Y10
	VPMOVMSKB Y9, AX
	VPMOVMSKB Y10, BX
	SHLQ $32, BX
	ORQ  BX, AX
	VPCMPEQB Y7, Y1, Y9
	VPCMPEQB Y8, Y1, Y10
	VPMOVMSKB Y9, R12
	VPMOVMSKB Y10, BX
	SHLQ $32, BX
	ORQ  BX, R12
	VPOR Y7, Y3, Y7
	VPOR Y8, Y3, Y8
	VPCMPEQB Y7, Y4, Y9
	VPCMPEQB Y8, Y4, Y10
	VPMOVMSKB Y9, DX
	VPMOVMSKB Y10, BX
	SHLQ $32, BX
	ORQ  BX, DX
	VPCMPEQB Y7, Y5, Y9
	VPCMPEQB Y8, Y5, Y10
	VPMOVMSKB Y9, R13
	VPMOVMSKB Y10, BX
	SHLQ $32, BX
	ORQ  BX, R13

	// Bits past the line's end are not the value's.
	MOVQ R8, CX
	SUBQ DI, CX
	CMPQ CX, $64
	JGE  whole
	MOVQ $1, BX
	SHLQ CX, BX
	DECQ BX
	ANDQ BX, AX
	ANDQ BX, R12
	ANDQ BX, DX
	ANDQ BX, R13

whole:
	TESTQ AX, AX
	JNZ   more

	// Inside-string bits: prefix XOR of the quote bits, and the carry.
	VMOVQ R12, X9
	VPCLMULQDQ $0, X6, X9, X9
	VMOVQ X9, R12
	XORQ R11, R12
	ORQ  DX, R13
	MOVQ R12, BX
	NOTQ BX
	ANDQ R13, BX

brackets:
	TESTQ BX, BX
	JZ    next
	BSFQ  BX, CX
	BTQ   CX, DX
	JCS   opening
	DECQ  R10
	JZ    found
	JMP   clear

opening:
	INCQ R10
	CMPQ R10, $9999
	JGT  deep

clear:
	LEAQ -1(BX), R13
	ANDQ R13, BX
	JMP  brackets

next:
	SARQ $63, R12
	MOVQ R12, R11
	ADDQ $64, DI
	JMP  loop

found:
	LEAQ 1(DI)(CX*1), DI
	MOVQ $0, AX
	JMP  done

deep:
	ADDQ CX, DI
	MOVQ $2, AX
	JMP  done

more:
	MOVQ $1, AX
	JMP  done

ended:
	MOVQ $3, AX

done:
	VZEROUPPER
	MOVQ DI, j+24(FP)
	MOVQ R10, depth+32(FP)
	MOVQ R11, inStr+40(FP)
	MOVQ AX, status+48(FP)
	RET
