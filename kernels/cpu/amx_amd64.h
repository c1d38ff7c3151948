// AMX instructions, which the Go assembler does not encode (Go 1.26:
// "unrecognized instruction"), spelled out as bytes. Only the operand
// combinations the loops use are defined; each name says its operands in
// Intel order, and the bytes are GNU as's for that line (objdump -d shows
// them as the comment says). Tile registers TMM0-7, all VEX.128 0F38 W0:
// LDTILECFG NP 49 /0, TILERELEASE NP 49 C0, TILEZERO F2 49 11:tmm:000,
// TILELOADD F2 4B, TILESTORED F3 4B (both a SIB address: base + disp,
// stride in the index register), TDPBSUD F3 5E (ModRM.reg the sums,
// ModRM.rm the signed A tile, VEX.vvvv the unsigned B tile).

// ldtilecfg [rax]
#define LDTILECFG_AX BYTE $0xC4; BYTE $0xE2; BYTE $0x78; BYTE $0x49; BYTE $0x00
// tilerelease
#define TILERELEASE BYTE $0xC4; BYTE $0xE2; BYTE $0x78; BYTE $0x49; BYTE $0xC0

// tilezero tmm0..tmm3
#define TILEZERO_T0 BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x49; BYTE $0xC0
#define TILEZERO_T1 BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x49; BYTE $0xC8
#define TILEZERO_T2 BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x49; BYTE $0xD0
#define TILEZERO_T3 BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x49; BYTE $0xD8

// tileloadd tmm0, [rcx+rbx*1-64]; tmm1, [rcx+rbx*1]; tmm2, [rcx+rbx*1+64]
#define TILELOADD_T0_CX_BX_M64 BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x4B; BYTE $0x44; BYTE $0x19; BYTE $0xC0
#define TILELOADD_T1_CX_BX BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x4B; BYTE $0x0C; BYTE $0x19
#define TILELOADD_T2_CX_BX_P64 BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x4B; BYTE $0x54; BYTE $0x19; BYTE $0x40
// tileloadd tmm3, [rdi+rdx*1]
#define TILELOADD_T3_DI_DX BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x4B; BYTE $0x1C; BYTE $0x17
// tileloadd tmm4, [rsi+rbx*1-64]; tmm5, [rsi+rbx*1]; tmm6, [rsi+rbx*1+64]
#define TILELOADD_T4_SI_BX_M64 BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x4B; BYTE $0x64; BYTE $0x1E; BYTE $0xC0
#define TILELOADD_T5_SI_BX BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x4B; BYTE $0x2C; BYTE $0x1E
#define TILELOADD_T6_SI_BX_P64 BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x4B; BYTE $0x74; BYTE $0x1E; BYTE $0x40
// tileloadd tmm4..tmm7, [rsi+rbx*1]
#define TILELOADD_T4_SI_BX BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x4B; BYTE $0x24; BYTE $0x1E
#define TILELOADD_T6_SI_BX BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x4B; BYTE $0x34; BYTE $0x1E
#define TILELOADD_T7_SI_BX BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x4B; BYTE $0x3C; BYTE $0x1E

// tilestored [rcx+rbx*1-64], tmm0; [rcx+rbx*1], tmm1; [rcx+rbx*1+64], tmm2
#define TILESTORED_CX_BX_M64_T0 BYTE $0xC4; BYTE $0xE2; BYTE $0x7A; BYTE $0x4B; BYTE $0x44; BYTE $0x19; BYTE $0xC0
#define TILESTORED_CX_BX_T1 BYTE $0xC4; BYTE $0xE2; BYTE $0x7A; BYTE $0x4B; BYTE $0x0C; BYTE $0x19
#define TILESTORED_CX_BX_P64_T2 BYTE $0xC4; BYTE $0xE2; BYTE $0x7A; BYTE $0x4B; BYTE $0x54; BYTE $0x19; BYTE $0x40
// tilestored [rdi+rbx*1], tmm0
#define TILESTORED_DI_BX_T0 BYTE $0xC4; BYTE $0xE2; BYTE $0x7A; BYTE $0x4B; BYTE $0x04; BYTE $0x1F

// tdpbsud tmm0, tmm3, tmm4; tmm1, tmm3, tmm5; tmm2, tmm3, tmm6
#define TDPBSUD_T0_T3_T4 BYTE $0xC4; BYTE $0xE2; BYTE $0x5A; BYTE $0x5E; BYTE $0xC3
#define TDPBSUD_T1_T3_T5 BYTE $0xC4; BYTE $0xE2; BYTE $0x52; BYTE $0x5E; BYTE $0xCB
#define TDPBSUD_T2_T3_T6 BYTE $0xC4; BYTE $0xE2; BYTE $0x4A; BYTE $0x5E; BYTE $0xD3
// tdpbsud tmm0, tmm4, tmm6; tmm1, tmm4, tmm7; tmm2, tmm5, tmm6; tmm3, tmm5, tmm7
#define TDPBSUD_T0_T4_T6 BYTE $0xC4; BYTE $0xE2; BYTE $0x4A; BYTE $0x5E; BYTE $0xC4
#define TDPBSUD_T1_T4_T7 BYTE $0xC4; BYTE $0xE2; BYTE $0x42; BYTE $0x5E; BYTE $0xCC
#define TDPBSUD_T2_T5_T6 BYTE $0xC4; BYTE $0xE2; BYTE $0x4A; BYTE $0x5E; BYTE $0xD5
#define TDPBSUD_T3_T5_T7 BYTE $0xC4; BYTE $0xE2; BYTE $0x42; BYTE $0x5E; BYTE $0xDD
