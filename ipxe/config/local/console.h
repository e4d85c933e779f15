/*
 * boot-stack console options for compiled site images (mode: compile).
 * BIOS: mirror the console to COM1 so serial-over-LAN and the QEMU boot tests can read it.
 * UEFI: leave it off; the firmware (e.g. OVMF) already mirrors the console to serial, and
 * enabling it too prints every character twice.
 */
#if defined ( PLATFORM_pcbios )
  #define CONSOLE_SERIAL
#endif
