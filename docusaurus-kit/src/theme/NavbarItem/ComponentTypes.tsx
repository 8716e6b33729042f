import ComponentTypes from '@theme-init/NavbarItem/ComponentTypes';
import DocsChatNavbarItem from '@theme/NavbarItem/DocsChatNavbarItem';

/** The classic theme's navbar item types, and `custom-docsChat`: the chat's button. */
export default {
  ...ComponentTypes,
  'custom-docsChat': DocsChatNavbarItem,
};
