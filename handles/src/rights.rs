//! Rights, with Zircon's bit values.

use bitflags::bitflags;

bitflags! {
    /// The rights a handle carries (`zx_rights_t`), with Zircon's values.
    ///
    /// ```
    /// use zx_handles::Rights;
    /// assert_eq!(Rights::DEFAULT_VMO.bits(), 0xD0EF);
    /// assert!(Rights::DEFAULT_VMO.contains(Rights::READ | Rights::WRITE));
    /// ```
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct Rights: u32 {
        /// `ZX_RIGHT_DUPLICATE`: the handle may be duplicated.
        const DUPLICATE = 1 << 0;
        /// `ZX_RIGHT_TRANSFER`: the handle may be sent to another process.
        const TRANSFER = 1 << 1;
        /// `ZX_RIGHT_READ`: the object's data may be read.
        const READ = 1 << 2;
        /// `ZX_RIGHT_WRITE`: the object's data may be written.
        const WRITE = 1 << 3;
        /// `ZX_RIGHT_EXECUTE`: the object's data may be mapped executable.
        const EXECUTE = 1 << 4;
        /// `ZX_RIGHT_MAP`: the object may be mapped or pinned.
        const MAP = 1 << 5;
        /// `ZX_RIGHT_GET_PROPERTY`: properties may be read.
        const GET_PROPERTY = 1 << 6;
        /// `ZX_RIGHT_SET_PROPERTY`: properties may be written.
        const SET_PROPERTY = 1 << 7;
        /// `ZX_RIGHT_ENUMERATE`.
        const ENUMERATE = 1 << 8;
        /// `ZX_RIGHT_DESTROY`.
        const DESTROY = 1 << 9;
        /// `ZX_RIGHT_SET_POLICY`.
        const SET_POLICY = 1 << 10;
        /// `ZX_RIGHT_GET_POLICY`.
        const GET_POLICY = 1 << 11;
        /// `ZX_RIGHT_SIGNAL`: user signals may be set on the object.
        const SIGNAL = 1 << 12;
        /// `ZX_RIGHT_SIGNAL_PEER`.
        const SIGNAL_PEER = 1 << 13;
        /// `ZX_RIGHT_WAIT`: the object's signals may be waited on.
        const WAIT = 1 << 14;
        /// `ZX_RIGHT_INSPECT`: `object_get_info` beyond the basic topic.
        const INSPECT = 1 << 15;
        /// `ZX_RIGHT_MANAGE_JOB`.
        const MANAGE_JOB = 1 << 16;
        /// `ZX_RIGHT_MANAGE_PROCESS`.
        const MANAGE_PROCESS = 1 << 17;
        /// `ZX_RIGHT_MANAGE_THREAD`.
        const MANAGE_THREAD = 1 << 18;
        /// `ZX_RIGHT_APPLY_PROFILE`.
        const APPLY_PROFILE = 1 << 19;
        /// `ZX_RIGHT_MANAGE_SOCKET`.
        const MANAGE_SOCKET = 1 << 20;
        /// `ZX_RIGHT_OP_CHILDREN`.
        const OP_CHILDREN = 1 << 21;
        /// `ZX_RIGHT_RESIZE`: the object may be resized.
        const RESIZE = 1 << 22;
        /// `ZX_RIGHT_ATTACH_VMO`.
        const ATTACH_VMO = 1 << 23;
        /// `ZX_RIGHT_MANAGE_VMO`.
        const MANAGE_VMO = 1 << 24;

        /// `ZX_RIGHTS_BASIC`: TRANSFER | DUPLICATE | WAIT | INSPECT.
        const BASIC = Self::TRANSFER.bits() | Self::DUPLICATE.bits() | Self::WAIT.bits() | Self::INSPECT.bits();
        /// `ZX_RIGHTS_IO`: READ | WRITE.
        const IO = Self::READ.bits() | Self::WRITE.bits();
        /// `ZX_RIGHTS_PROPERTY`: GET_PROPERTY | SET_PROPERTY.
        const PROPERTY = Self::GET_PROPERTY.bits() | Self::SET_PROPERTY.bits();
        /// `ZX_DEFAULT_VMO_RIGHTS` (0xD0EF).
        const DEFAULT_VMO = Self::BASIC.bits() | Self::IO.bits() | Self::PROPERTY.bits()
            | Self::MAP.bits() | Self::SIGNAL.bits();
        /// `ZX_DEFAULT_EVENT_RIGHTS`: BASIC | SIGNAL.
        const DEFAULT_EVENT = Self::BASIC.bits() | Self::SIGNAL.bits();
    }
}

impl Rights {
    /// `ZX_RIGHT_SAME_RIGHTS`: in a duplicate or replace request, "the rights the handle has".
    ///
    /// ```
    /// assert_eq!(zx_handles::Rights::SAME_RIGHTS_REQUEST, 0x8000_0000);
    /// ```
    pub const SAME_RIGHTS_REQUEST: u32 = 1 << 31;

    /// Resolves a duplicate/replace request against the rights a handle has: `SAME_RIGHTS`
    /// gives `self`, a subset gives the subset, anything else gives `None`.
    ///
    /// ```
    /// use zx_handles::Rights;
    /// let have = Rights::READ | Rights::DUPLICATE;
    /// assert_eq!(have.resolve_request(Rights::SAME_RIGHTS_REQUEST), Some(have));
    /// assert_eq!(have.resolve_request(Rights::READ.bits()), Some(Rights::READ));
    /// assert_eq!(have.resolve_request(Rights::WRITE.bits()), None);
    /// ```
    pub fn resolve_request(self, request: u32) -> Option<Rights> {
        if request == Self::SAME_RIGHTS_REQUEST {
            return Some(self);
        }
        if request & !self.bits() != 0 {
            return None;
        }
        Some(Rights::from_bits_retain(request))
    }
}
